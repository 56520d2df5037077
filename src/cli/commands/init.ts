import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { SCHEMA_FILE, schemaText } from "../../validate/schema.js";
import { EXIT, type ExitCode, type Io } from "../io.js";

export interface InitOptions {
  spec: string;
  service: string;
  team: string;
  force: boolean;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Scaffolds a spec folder: an Organization, one Service, the schema for editors. Never overwrites
 * a file unless --force. */
export function runInit(io: Io, opts: InitOptions): ExitCode {
  for (const [what, v] of [["service", opts.service], ["team", opts.team]] as const) {
    if (!NAME.test(v) || v.length > 63) {
      io.err(`✖ --${what} ${v} is not a DNS-1123 label (lower-case letters, digits, -)\n`);
      return EXIT.usage;
    }
  }
  const specDir = resolve(io.cwd, opts.spec);
  const schemaPath = join(io.cwd, "schemas", SCHEMA_FILE);
  const modeline = (file: string) => `# yaml-language-server: $schema=${relative(dirname(file), schemaPath).split("\\").join("/")}\n`;
  const orgFile = join(specDir, "organization.yaml");
  const serviceFile = join(specDir, "services", `${opts.service}.yaml`);
  const files: [string, string][] = [
    [schemaPath, schemaText()],
    [orgFile, modeline(orgFile) + organizationTemplate(opts.team)],
    [serviceFile, modeline(serviceFile) + serviceTemplate(opts.service, opts.team)],
    [join(io.cwd, ".vscode", "settings.json"), JSON.stringify({ "yaml.schemas": { [`./schemas/${SCHEMA_FILE}`]: `${opts.spec}/**/*.yaml` } }, null, 2) + "\n"],
  ];
  const existing = files.filter(([p]) => existsSync(p)).map(([p]) => relative(io.cwd, p));
  if (existing.length && !opts.force) {
    io.err(`✖ would overwrite ${existing.join(", ")}\n  hint: pass --force to replace them, or choose another --spec folder\n`);
    return EXIT.invalid;
  }
  for (const [p, text] of files) {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    io.err(`  created ${relative(io.cwd, p)}\n`);
  }
  io.err(`✔ next: edit ${relative(io.cwd, serviceFile)}, then run \`svcspec build --spec ${opts.spec}\`\n`);
  return EXIT.ok;
}

/** The Secret the scaffold's receivers read their keys from. prometheus-operator mounts each Secret
 * named in the Alertmanager's spec.secrets at /etc/alertmanager/secrets/<secret>/<key>. */
export const RECEIVER_SECRET = "alertmanager-receivers";
const SECRET_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

function organizationTemplate(team: string): string {
  return `apiVersion: svcspec/v1
kind: Organization
metadata:
  name: my-org
spec:
  # Receiver secrets are files: prometheus-operator mounts the Secret ${RECEIVER_SECRET}, listed in
  # the Alertmanager's spec.secrets, at ${SECRET_DIR}/<key>. Create it with
  #   kubectl create secret generic ${RECEIVER_SECRET} -n monitoring \\
  #     --from-file=${team}-pagerduty-routing-key=<file> --from-file=slack-api-url=<file>
  # (docs/from-init-to-cluster.md walks through the rest).
  teams:
    ${team}:
      receivers:
        page:
          pagerduty: { routingKeyFile: ${SECRET_DIR}/${team}-pagerduty-routing-key }
        ticket:
          slack: { channel: "#${team}-alerts", apiUrlFile: ${SECRET_DIR}/slack-api-url }
      businessHours: { timezone: UTC, days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }
  alerting:
    defaultReceiver: { webhook: { url: "http://alert-sink.monitoring.svc:8080/" } }
  access:
    roles: [viewer, engineer, sre, admin]
    networks:
      corp-vpn: [10.0.0.0/8]
  # platform:                     # where the shared objects go (these are the defaults)
  #   namespaces: { monitoring: monitoring, logging: logging, opa: opa }
`;
}

function serviceTemplate(service: string, team: string): string {
  return `apiVersion: svcspec/v1
kind: Service
metadata:
  name: ${service}
  team: ${team}
spec:
  tier: high                      # critical | high | standard | best-effort
  runbook: https://runbooks.example.com/${service}
  slos:
    - name: availability
      sli:
        ratio:
          errors: http_requests_total{job="${service}",code=~"5.."}
          total: http_requests_total{job="${service}"}
    - name: latency
      objective: 99
      sli:
        latency:
          histogram: http_request_duration_seconds
          selector: '{job="${service}"}'
          threshold: 300ms
`;
}
