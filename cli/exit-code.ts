/** Ends a command with a given exit code after it has printed its result (e.g. drift found: 1). */
export class ExitCode extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
  }
}
