import { FetsError } from '@fets/pipeline';

/** A saved run (Logger output, CSVLogger file, Summary JSON, checkpoint folder) cannot be read; the message names the file. */
export class RunFileError extends FetsError {}
