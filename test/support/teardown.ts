/**
 * What a test set-up made, undone newest first: a browser before the app it shows, an app before the
 * database it runs on. A set-up that fails half-way undoes what it made so far itself, because the
 * suite's `after` hook then has nothing to stop.
 */
export class Teardown {
  private readonly undoSteps: (() => Promise<unknown>)[] = [];

  /** Records how to undo the step just taken. */
  add(undo: () => Promise<unknown>): void {
    this.undoSteps.push(undo);
  }

  /** Undoes every step recorded, newest first. */
  async run(): Promise<void> {
    for (let undo = this.undoSteps.pop(); undo; undo = this.undoSteps.pop()) await undo();
  }

  /** Runs a set-up that records its steps here; if it throws, undoes them and rethrows. */
  async orUndo<T>(setUp: () => Promise<T>): Promise<T> {
    try {
      return await setUp();
    } catch (error) {
      await this.run();
      throw error;
    }
  }
}
