import { schemaText } from "../../validate/schema.js";
import { EXIT, type ExitCode, type Io } from "../io.js";

export function runSchema(io: Io): ExitCode {
  io.out(schemaText());
  return EXIT.ok;
}
