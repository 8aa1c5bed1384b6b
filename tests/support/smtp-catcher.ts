/**
 * A real SMTP peer for the e2e run (smtp-server), with what it received readable over HTTP:
 *   tsx tests/support/smtp-catcher.ts <smtp port> <http port>
 * GET /messages?to=<address> → [{ to, subject, text, at }] (newest last); GET / → "ok".
 * Listens on 127.0.0.1 only.
 */
import { createServer } from "node:http";
import { SMTPServer } from "smtp-server";

const [smtpPort, httpPort] = process.argv.slice(2).map(Number);
if (!smtpPort || !httpPort) throw new Error("usage: tsx tests/support/smtp-catcher.ts <smtp port> <http port>");

interface Received {
  to: string[];
  subject: string;
  text: string;
  at: string;
}
const messages: Received[] = [];

/** The text of a simple (single-part, quoted-printable or 7bit) message, as a reader sees it. */
function parse(raw: string): { subject: string; text: string } {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head.replace(/\r?\n[ \t]+/g, " ");
  const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
  let text = rest.join("\n\n");
  if (/Content-Transfer-Encoding: quoted-printable/i.test(headers)) {
    text = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return { subject, text };
}

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, session, callback) {
    let raw = "";
    stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    stream.on("end", () => {
      messages.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), ...parse(raw), at: new Date().toISOString() });
      callback();
    });
  },
});
smtp.listen(smtpPort, "127.0.0.1");

createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname === "/messages") {
    const to = url.searchParams.get("to")?.toLowerCase();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(messages.filter((m) => !to || m.to.includes(to))));
    return;
  }
  res.end("ok");
}).listen(httpPort, "127.0.0.1");
