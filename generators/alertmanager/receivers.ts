/** Spec receivers -> Alertmanager 0.25 receiver configs. Secrets stay file references
 * (`*_file`): the config itself never holds a credential. Alertmanager expands the notifiers'
 * string fields as Go templates (email to and from, Opsgenie responders, Slack channel; PagerDuty's
 * severity is an enum): spec text is written through templateLiteral, so `{{ .Status }}` arrives as
 * written and a lone `{{` cannot make every notification of the receiver fail. File paths, the
 * SMTP host, user name and the webhook URL are not templated. */
import type { Receiver } from "../../src/model/model.js";
import { templateLiteral } from "../../src/render/go-template.js";

export function receiverConfig(r: Receiver): Record<string, unknown> {
  const i = r.integrations;
  const out: Record<string, unknown> = { name: r.name };
  if (i.email) {
    out["email_configs"] = [
      compact({
        to: templateLiteral(i.email.to),
        from: i.email.from === undefined ? undefined : templateLiteral(i.email.from),
        smarthost: i.email.smarthost,
        auth_username: i.email.authUsername,
        auth_password_file: i.email.authPasswordFile,
        send_resolved: true,
      }),
    ];
  }
  if (i.opsgenie) {
    out["opsgenie_configs"] = [
      compact({
        api_key_file: i.opsgenie.apiKeyFile,
        responders: i.opsgenie.responders?.map((x) => ({ type: x.type, name: templateLiteral(x.name) })),
        send_resolved: true,
      }),
    ];
  }
  if (i.pagerduty) {
    out["pagerduty_configs"] = [compact({ routing_key_file: i.pagerduty.routingKeyFile, severity: i.pagerduty.severity, send_resolved: true })];
  }
  if (i.slack) {
    out["slack_configs"] = [{ api_url_file: i.slack.apiUrlFile, channel: templateLiteral(i.slack.channel), send_resolved: true }];
  }
  if (i.webhook) {
    out["webhook_configs"] = [compact({ url: i.webhook.url, max_alerts: i.webhook.maxAlerts, send_resolved: true })];
  }
  return out;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
