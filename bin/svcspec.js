#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

// A reader that stops early (`svcspec schema | head`) closes the pipe: stop quietly, as Unix
// tools do, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv);
