/**
 * A scaffold cannot be added to an existing file (`hms-gen new`): the file lacks the place the
 * scaffold goes, or already has what it would add. The CLI reports it and writes nothing.
 */
export class ScaffoldError extends Error {}
