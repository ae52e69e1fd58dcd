import type { Random } from '../ports/random';

/**
 * The access pass's symbols: each a distinct shape with a name, so that the person at the screen can
 * say it and the person at the phone can find it without telling colours apart (the pages draw each
 * one as an inline SVG, public/js/access-pass-symbols.js, and print its name under it). SecSign's
 * access pass shows one such picture; the phone offers it among three others, so that a blind "approve"
 * has three chances in four of being refused.
 */
export const ACCESS_PASS_SYMBOLS = [
  { id: 'circle', name: 'Circle' },
  { id: 'square', name: 'Square' },
  { id: 'triangle', name: 'Triangle' },
  { id: 'diamond', name: 'Diamond' },
  { id: 'star', name: 'Star' },
  { id: 'heart', name: 'Heart' },
  { id: 'moon', name: 'Moon' },
  { id: 'sun', name: 'Sun' },
  { id: 'cloud', name: 'Cloud' },
  { id: 'drop', name: 'Drop' },
  { id: 'bolt', name: 'Lightning bolt' },
  { id: 'leaf', name: 'Leaf' },
  { id: 'key', name: 'Key' },
  { id: 'bell', name: 'Bell' },
  { id: 'house', name: 'House' },
  { id: 'anchor', name: 'Anchor' },
  { id: 'flag', name: 'Flag' },
  { id: 'note', name: 'Music note' },
  { id: 'plus', name: 'Plus' },
  { id: 'hexagon', name: 'Hexagon' },
] as const;

export type AccessPassSymbolId = (typeof ACCESS_PASS_SYMBOLS)[number]['id'];

export interface AccessPassSymbol {
  readonly id: string;
  readonly name: string;
}

/** How many symbols the phone offers to pick from. */
export const SYMBOL_CHOICES = 4;

const BY_ID = new Map<string, AccessPassSymbol>(ACCESS_PASS_SYMBOLS.map((symbol) => [symbol.id, symbol]));

/** The symbol with this id, or null for an id that is not one. */
export function symbolById(id: string): AccessPassSymbol | null {
  return BY_ID.get(id) ?? null;
}

/**
 * The symbol a challenge shows, and the four the phone offers (the right one among three others, in
 * random order). Unbiased: each draw rejects the bytes that would favour the first symbols.
 */
export function drawSymbols(random: Random): { symbol: AccessPassSymbol; choices: AccessPassSymbol[] } {
  const pool: AccessPassSymbol[] = [...ACCESS_PASS_SYMBOLS];
  // A partial Fisher-Yates shuffle: the first SYMBOL_CHOICES places get distinct symbols.
  for (let place = 0; place < SYMBOL_CHOICES; place += 1) {
    const pick = place + uniform(random, pool.length - place);
    [pool[place], pool[pick]] = [pool[pick] as AccessPassSymbol, pool[place] as AccessPassSymbol];
  }
  const choices = pool.slice(0, SYMBOL_CHOICES);
  const symbol = choices[uniform(random, SYMBOL_CHOICES)] as AccessPassSymbol;
  return { symbol, choices };
}

/** A uniform integer in [0, below), below ≤ 256, by rejection sampling of single bytes. */
function uniform(random: Random, below: number): number {
  const limit = 256 - (256 % below);
  for (;;) {
    const byte = random.bytes(1)[0] as number;
    if (byte < limit) return byte % below;
  }
}
