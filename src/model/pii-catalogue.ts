/** The built-in PII detectors, one entry each, in the order redaction applies them (an earlier
 * detector's token is never rescanned by a later one, so the order is part of the behaviour).
 * Every other list derives from this one: the detector names and Organization defaults of
 * `src/model/defaults.ts`, the tokens the docs print, the tokens and order `redact.lua` reads (the
 * Fluent Bit generator emits them as a data table). A test holds the JSON Schema's `detector` enum
 * to these ids. Adding a detector: an entry here, its Lua function in
 * generators/fluentbit/redact.lua, its oracle twin in test/oracle/detectors.ts and a corpus case. */

export interface PiiDetectorEntry {
  /** The name specs use (`pii.defaults`, a service's `pii.detectors`). */
  readonly id: string;
  /** What replaces a match. */
  readonly token: string;
  /** On for an Organization that does not set `pii.defaults`. */
  readonly defaultOn: boolean;
  /** What it replaces, for people. */
  readonly matches: string;
  /** A value it replaces: what `svcspec plan` shows a removed detector letting through. */
  readonly example: string;
}

export const PII_CATALOGUE = [
  {
    id: "private_key",
    token: "[PRIVATE_KEY]",
    defaultOn: true,
    matches:
      "`-----BEGIN ... PRIVATE KEY-----` through the matching `-----END ...-----` (to the end of the value when unterminated); a key split over records: its base64 lines after the open BEGIN of the same tag and stream, up to the END line; a `log` that is one 64- or 70-character base64 line",
    example: "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY-----",
  },
  { id: "jwt", token: "[JWT]", defaultOn: true, matches: "`eyJ...` `.` `eyJ...` `.` signature (base64url segments)", example: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl" },
  { id: "bearer_token", token: "[BEARER_TOKEN]", defaultOn: true, matches: "the token after `Bearer ` (any case), 8+ token chars; the word stays", example: "Authorization: Bearer 3f9a8c7d6e5b4a39" },
  { id: "database_url", token: "[DB_PASSWORD]", defaultOn: true, matches: "the password in `scheme://user:password@` (a raw `#` in it included)", example: "postgres://app:s3cret-pw@db.internal:5432/shop" },
  {
    id: "secret_kv",
    token: "[SECRET]",
    defaultOn: true,
    matches:
      "the value after `password`, `passwd`, `pwd`, `secret`, `token`, `api_key`, `apikey`, `api-key`, `access_key` (also as suffix after `_`/`-`, any case) followed by `=` or `:` (quoted keys and values too); `null` and empty values are kept",
    example: "password=hunter2-hunter2",
  },
  {
    id: "api_key",
    token: "[API_KEY]",
    defaultOn: true,
    matches:
      "`sk_live_`/`sk_test_`/`rk_live_` + 10+, `AKIA`/`ASIA` + 16, `ghp_`/`gho_`/`ghs_`/`ghu_` + 30+, `github_pat_` + 20+, `xox[bpar]-` + 10+, `AIza` + 35, `glpat-` + 20-64, `sk-` + 20+",
    example: "sk_test_0123456789abcdefEXAMPLE",
  },
  {
    id: "email",
    token: "[EMAIL]",
    defaultOn: true,
    matches:
      "local@domain.tld, also URL-encoded (`local%40domain.tld`) and with non-ASCII (UTF-8) local parts and domains; TLD of 2+ letters; not after `/`, not before `:`, not file extensions like `@2x.png`",
    example: "jane.doe@example.com",
  },
  {
    id: "iban",
    token: "[IBAN]",
    defaultOn: true,
    matches:
      "a country code, 2 check digits and capitals or digits up to the country's IBAN length (`IBAN_LENGTHS` of src/model/iban.ts; single spaces allowed), mod-97 = 1; an unknown country or another length is not an IBAN",
    example: "DE89 3704 0044 0532 0130 00",
  },
  {
    id: "credit_card",
    token: "[CREDIT_CARD]",
    defaultOn: true,
    matches:
      "13-19 digits in at most 5 groups separated by single spaces or dashes; issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay) and Luhn; also integral JSON numbers of 13+ digits",
    example: "4111 1111 1111 1111",
  },
  { id: "us_ssn", token: "[SSN]", defaultOn: true, matches: "`ddd-dd-dddd` or `ddd dd dddd`; area not 000, 666 or 9xx, group not 00, serial not 0000", example: "123-45-6789" },
  {
    id: "phone",
    token: "[PHONE]",
    defaultOn: false,
    matches:
      "`+` and 8-15 digits (single space/dash/dot separators); `(ddd) ddd-dddd`; `[1-]ddd-ddd-dddd` with `-` or `.`; an ` x123` extension is included; under a key naming a phone (`phone`, `mobile`, `msisdn` in it, or `tel`, `fax`, `cell`), a JSON number or a string of 8-15 digits",
    example: "+49 30 1234567",
  },
  { id: "ipv6", token: "[IPV6]", defaultOn: false, matches: "full 8-group or `::`-compressed addresses", example: "2001:db8::8a2e:370:7334" },
  { id: "ipv4", token: "[IPV4]", defaultOn: false, matches: "dotted quads with octets <= 255, not within `version` context", example: "203.0.113.42" },
] as const satisfies readonly PiiDetectorEntry[];

export type DetectorId = (typeof PII_CATALOGUE)[number]["id"];

/** The replacement token of each built-in detector. */
export const DETECTOR_TOKENS = Object.fromEntries(PII_CATALOGUE.map((d) => [d.id, d.token])) as Record<DetectorId, string>;
