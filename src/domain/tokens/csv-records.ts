/** One record of a CSV file, with the physical line it starts on (1-based) for error reports. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

export type CsvParseResult =
  { readonly ok: true; readonly records: CsvRecord[] } | { readonly ok: false; readonly line: number; readonly reason: 'unterminated_quote' };

/**
 * RFC 4180 records: fields separated by commas, records by CRLF or LF (spreadsheets and Entra's portal
 * write either), a field in double quotes may hold commas, line breaks and `""` for a quote. A leading
 * UTF-8 byte order mark (Excel's "CSV UTF-8") is dropped. Blank lines are skipped, not empty records.
 * A quote that never closes is the only thing that stops parsing: after it, no line can be told apart.
 * @see RFC 4180 §2
 */
export function parseCsvRecords(text: string): CsvParseResult {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteOpenedOn = 0;
  let sawAnything = false;

  const endRecord = () => {
    fields.push(field);
    if (sawAnything) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    sawAnything = false;
  };

  for (let i = 0; i < input.length; i++) {
    const char = input.charAt(i);
    if (quoted) {
      if (char === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
      continue;
    }
    if (char === '"' && field.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are tolerated and dropped).
      field = '';
      quoted = true;
      quoteOpenedOn = line;
      sawAnything = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      sawAnything = true;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && input[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
      if (char.trim() !== '') sawAnything = true;
    }
  }
  if (quoted) return { ok: false, line: quoteOpenedOn, reason: 'unterminated_quote' };
  endRecord();
  return { ok: true, records };
}

/** Writes fields as one CSV record (quoting only where needed); the inverse of the parser, for tests and exports. */
export function formatCsvRecord(fields: readonly string[]): string {
  return fields.map((value) => (/[",\r\n]/.test(value) || value.trim() !== value ? `"${value.replace(/"/g, '""')}"` : value)).join(',');
}
