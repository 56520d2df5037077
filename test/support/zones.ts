/** Zone names ICU (Node's Intl) knows and Go's time.LoadLocation (OPA, Alertmanager) does not
 * (issue #18, finding 7): Java's three-letter IDs, which ICU keeps as aliases, and names the IANA
 * database dropped. With the IANA name each stands for in ICU (the hint validation must give). */
export const ICU_ONLY_ZONES: readonly (readonly [string, string | null])[] = [
  ["ACT", "Australia/Darwin"], ["AET", "Australia/Sydney"], ["AGT", "America/Argentina/Buenos_Aires"], ["ART", "Africa/Cairo"],
  ["AST", "America/Anchorage"], ["BET", "America/Sao_Paulo"], ["BST", "Asia/Dhaka"], ["CAT", "Africa/Maputo"],
  ["CNT", "America/St_Johns"], ["CST", "America/Chicago"], ["CTT", "Asia/Shanghai"], ["EAT", "Africa/Nairobi"],
  ["ECT", "Europe/Paris"], ["IET", "America/Indiana/Indianapolis"], ["IST", "Asia/Kolkata"], ["JST", "Asia/Tokyo"],
  ["MIT", "Pacific/Apia"], ["NET", "Asia/Yerevan"], ["NST", "Pacific/Auckland"], ["PLT", "Asia/Karachi"],
  ["PNT", "America/Phoenix"], ["PRT", "America/Puerto_Rico"], ["PST", "America/Los_Angeles"], ["SST", "Pacific/Guadalcanal"],
  ["VST", "Asia/Ho_Chi_Minh"], ["US/Pacific-New", "America/Los_Angeles"], ["Canada/East-Saskatchewan", "America/Regina"],
  ["jst", "Asia/Tokyo"], ["SystemV/AST4", null], ["SystemV/PST8PDT", null],
];
