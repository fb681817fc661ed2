import { type AddressInfo, createServer } from "node:net";
import { SMTPServer } from "smtp-server";

export interface CapturedMail {
  to: string[];
  /** The raw message, quoted-printable soft breaks and escapes undone. */
  text: string;
}

/** Undoes quoted-printable: `=\r\n` soft breaks and `=XX` escapes (enough to read a link). */
const unQuote = (raw: string) =>
  raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_all, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );

/** An SMTP server on 127.0.0.1 (any free port) that keeps every message it is given. */
export async function startFakeSmtp() {
  const mails: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        raw += chunk;
      });
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text: unQuote(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The page link of a captured mail (the first `…/email/decisions?t=…`). */
export function linkOf(mail: CapturedMail): string {
  const match = /https?:\/\/[^\s"<>]+\/email\/decisions\?t=[A-Za-z0-9._%-]+/.exec(mail.text);
  if (!match) throw new Error(`no link in the mail:\n${mail.text}`);
  return match[0];
}

/** A port on 127.0.0.1 nothing listens on (taken from the OS, then let go). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
