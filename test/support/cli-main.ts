/** The CLI from source in a child process, for tests that must outlive a hang or a SIGKILL of
 * svcspec itself: node --import <tsx loader> test/support/cli-main.ts <args>. */
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv);
