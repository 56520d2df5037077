/** The svcspec command line. The only module that maps outcomes to exit codes:
 * 0 ok, 1 invalid spec or stale output, 2 usage or internal error, 3 a validator `verify` needs is missing. */
import { Argument, Command, CommanderError, Option } from "commander";
import { TARGETS } from "../compile.js";
import { runBuild } from "./commands/build.js";
import { runBundle } from "./commands/bundle.js";
import { runCheck } from "./commands/check.js";
import { runExplain } from "./commands/explain.js";
import { IMPORT_FORMATS, type ImportFormat, runImport } from "./commands/import.js";
import { runInit } from "./commands/init.js";
import { runPolicyTest } from "./commands/policy.js";
import { type PlanOptions, runPlan } from "./commands/plan.js";
import { runSchema } from "./commands/schema.js";
import { runSetupTools } from "./commands/setup-tools.js";
import { runValidate } from "./commands/validate.js";
import { runVerify } from "./commands/verify.js";
import { EXIT, type ExitCode, type Io, processIo } from "./io.js";
import type { DiagnosticFormat } from "../diagnostics/format.js";
import { SVCSPEC_VERSION } from "../util/version.js";

const HELP_AFTER = `
Exit codes: 0 ok, 1 invalid spec or stale output, 2 usage or internal error,
3 (verify) a validator that applies is missing.
Typical CI: svcspec validate && svcspec check --format github`;

export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const set = (c: ExitCode) => {
    code = c;
  };
  const program = new Command("svcspec")
    .description("Compile service specs (SLOs, cache, PII, access, load, chaos) into production configuration.")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", HELP_AFTER)
    .version(SVCSPEC_VERSION, "-V, --version", "print the svcspec version");

  program
    .command("version")
    .description("print the svcspec version")
    .action(() => io.out(`${SVCSPEC_VERSION}\n`));

  const spec = () => new Option("--spec <dir>", "spec folder").default("spec");
  const out = () => new Option("--out <dir>", "output folder").default("out");
  const format = () => new Option("--format <format>", "diagnostics format").choices(["text", "json", "github"]).default("text");
  const docsTemplates = () => new Option("--docs-templates <dir>", "folder of *.md.hbs files replacing the built-in docs templates of the same name (docs/docs-templates.md)");
  const policies = () => new Option("--policies <dir>", "the organisation's Rego policies (docs/policies.md; default: policies, when present)");
  const strict = () => new Option("--strict", "warnings fail too").default(false);
  const only = () => new Option("--only <targets>", `generate only these targets, comma-separated (${TARGETS.join(", ")}): the output folder then holds only them`);

  program
    .command("validate")
    .description("check every spec file (schema and meaning); writes nothing")
    .addOption(spec())
    .addOption(format())
    .addOption(policies())
    .addOption(strict())
    .option("--no-cache", "check every file in full, without reading the validation cache build leaves")
    .action((o: { spec: string; format: DiagnosticFormat; policies?: string; strict: boolean; cache: boolean }) => set(runValidate(io, o)));

  program
    .command("build")
    .description("compile the spec and bring the output folder up to date (writes only changed files)")
    .addOption(spec())
    .addOption(out())
    .addOption(format())
    .addOption(docsTemplates())
    .addOption(policies())
    .addOption(strict())
    .option("--force", "take ownership of existing files svcspec did not write", false)
    .option("-v, --verbose", "list every written and deleted file, and what the generation cache did", false)
    .addOption(only())
    .option("--no-cache", "generate every service and check every file again, without reading or writing the generation and validation caches")
    .action((o: { spec: string; out: string; format: DiagnosticFormat; docsTemplates?: string; policies?: string; strict: boolean; force: boolean; verbose: boolean; only?: string; cache: boolean }) => set(runBuild(io, o)));

  program
    .command("check")
    .description("compile in memory and fail if the output folder is stale (added, changed or orphaned files)")
    .addOption(spec())
    .addOption(out())
    .addOption(format())
    .addOption(docsTemplates())
    .addOption(policies())
    .addOption(strict())
    .option("--diff", "print a unified diff of every stale file", false)
    .addOption(only())
    .option("--no-cache", "generate every service and check every file again, without reading or writing the generation and validation caches")
    .action((o: { spec: string; out: string; format: DiagnosticFormat; docsTemplates?: string; policies?: string; strict: boolean; diff: boolean; only?: string; cache: boolean }) => set(runCheck(io, o)));

  program
    .command("explain")
    .description("print a service's SLOs, budgets and alert tiers with their detection and exhaustion times")
    .argument("<service>", "service name")
    .addOption(spec())
    .addOption(format())
    .addOption(docsTemplates())
    .action((service: string, o: { spec: string; format: DiagnosticFormat; docsTemplates?: string }) => set(runExplain(io, service, o)));

  program
    .command("plan")
    .description("compare the spec with a base (git revision or folder) and print what changes in production, classified weakens, strengthens or neutral")
    .addOption(spec())
    .option("--base <ref>", "git revision of the base spec (default: the merge-base of HEAD and its upstream, else HEAD)")
    .option("--base-spec <dir>", "folder holding the base spec")
    .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
    .addOption(new Option("--fail-on <effect>", "exit 1 when a change has this effect").choices(["weakens"]))
    .addOption(docsTemplates())
    .action((o: PlanOptions) => set(runPlan(io, o)));

  program
    .command("schema")
    .description("print the JSON Schema (draft-07) of the spec language")
    .action(() => set(runSchema(io)));

  program
    .command("init")
    .description("scaffold a spec folder with an Organization and one Service")
    .addOption(spec())
    .option("--service <name>", "first service", "my-service")
    .option("--team <name>", "owning team", "my-team")
    .option("--force", "overwrite existing files", false)
    .action((o: { spec: string; service: string; team: string; force: boolean }) => set(runInit(io, o)));

  program
    .command("import")
    .description("write svcspec Service specs from Sloth (prometheus/v1, PrometheusServiceLevel) or OpenSLO v1 documents (docs/import.md)")
    .addArgument(new Argument("<from>", "source format").choices(IMPORT_FORMATS))
    .argument("<files...>", "YAML files or folders")
    .option("--out <dir>", "write <service>.yaml files here (default: print to stdout)")
    .option("--team <name>", "metadata.team of the imported services")
    .option("--tier <name>", "spec.tier of the imported services", "high")
    .option("--window <duration>", "Sloth: the period sloth generate used (--default-slo-period), written on every SLO")
    .option("--runbook <url>", "spec.runbook of the imported services (neither format has one; the built-in policy asks one of every paging service)")
    .option("--force", "overwrite existing files under --out", false)
    .addOption(format())
    .action((from: ImportFormat, files: string[], o: { out?: string; team?: string; tier: string; window?: string; runbook?: string; force: boolean; format: DiagnosticFormat }) => set(runImport(io, from, files, o)));

  program
    .command("bundle")
    .description("build the OPA bundle artefacts (bundle.tar.gz, bundle.wasm.tar.gz, policy.wasm) with opa")
    .addOption(spec())
    .addOption(format())
    .option("--dest <dir>", "folder for the artefacts (not committed)", "build/opa")
    .option("--tools <dir>", "folder holding the opa binary (default .tools/bin, then PATH)")
    .action((o: { spec: string; format: DiagnosticFormat; dest: string; tools?: string }) => set(runBundle(io, o)));

  program
    .command("setup-tools")
    .description("install the validators verify runs (promtool, amtool, opa, k6, kubeconform, luajit, ...) into the package's .tools (or $SVCSPEC_TOOLS); needs apt-get and Go")
    .option("--check", "only report what is installed", false)
    .action(async (o: { check: boolean }) => set(await runSetupTools(io, o)));

  program
    .command("verify")
    .description("run the real validators (promtool, amtool, opa, luajit, k6, kubeconform) over the output folder")
    .addOption(spec())
    .addOption(out())
    .option("--tools <dir>", "folder holding the validator binaries (default .tools/bin, then PATH)")
    .option("--crds <dir>", "folder of the cluster's CustomResourceDefinitions (kubectl get crd ... -o yaml) for kubeconform; default $SVCSPEC_CRDS")
    .option("--allow-missing", "exit 0 when a validator that applies is missing (by default: exit 3)", false)
    .addOption(new Option("--require-tools", "missing validators fail (the default; kept for old scripts)").hideHelp())
    .addOption(new Option("--format <format>", "report format").choices(["text", "json"]).default("text"))
    .option("--only <targets>", `check only these targets' outputs, comma-separated (${TARGETS.join(", ")})`)
    .action(async (o: { spec: string; out: string; tools?: string; crds?: string; allowMissing: boolean; format: "text" | "json"; only?: string }) => set(await runVerify(io, o)));

  program
    .command("policy")
    .description("the organisation's Rego policies (docs/policies.md)")
    .command("test")
    .description("run the policies' opa tests (*_test.rego) and report as verify does")
    .addOption(policies())
    .option("--tools <dir>", "folder holding the opa binary (default .tools/bin, then PATH)")
    .action((o: { policies?: string; tools?: string }) => set(runPolicyTest(io, o)));

  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.err(`✖ internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n  please report this with the spec that caused it\n`);
    return EXIT.usage;
  }
}
