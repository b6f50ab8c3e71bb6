// Undo steps registered the moment something exists (a temp dir, a process, a cgroup root), run last-first at the
// end of a benchmark whether it succeeded or not. A failing step does not stop the others.

export class Cleanup {
  readonly #steps: { readonly what: string; readonly undo: () => unknown }[] = [];

  /** Registers `undo` for `what`; it runs before every step registered earlier. */
  add(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  /** Runs every step, newest first, and returns what failed. */
  async run(): Promise<Error[]> {
    const errors: Error[] = [];
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.undo();
      } catch (err) {
        errors.push(new Error(`cleanup of ${step.what}: ${(err as Error).message}`, { cause: err }));
      }
    }
    return errors;
  }
}
