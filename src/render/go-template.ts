/** Go template text (text/template) for the consumers that expand spec strings as templates:
 * Prometheus expands alert labels and annotations, Alertmanager the string fields of its
 * notifiers (Slack channel, email to and from, Opsgenie responders, ...). Spec strings are literal
 * text: a `{{ .Status }}` in one must arrive as written, and a lone `{{` must not make the whole
 * notification fail to render. */

/** `text` as a template that prints `text`: each opening `{{` is written as a template that
 * prints `{{`. (`}}` alone is literal text to Go's templates.) */
export function templateLiteral(text: string): string {
  return text.split("{{").join('{{ "{{" }}');
}
