import { stringify } from "yaml";

/** The one set of YAML output settings. YAML 1.1 quoting keeps `on`, `yes` and dates strings for
 * Go yaml.v2 and PyYAML readers; no folding (PromQL stays on one line or in a literal block); no
 * anchors; key order is the order the generator built the object in. */
export function toYaml(value: unknown): string {
  return stringify(value, {
    version: "1.1",
    lineWidth: 0,
    minContentWidth: 0,
    indent: 2,
    indentSeq: true,
    aliasDuplicateObjects: false,
    nullStr: "null",
  });
}

/** Several documents in one file, separated by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join("---\n");
}
