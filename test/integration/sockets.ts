import { readdirSync, readFileSync } from "node:fs";

/** A listening TCP socket as the kernel lists it in /proc/net/tcp or /proc/net/tcp6. */
export interface ListeningSocket {
  /** The local address, as text: `127.0.0.1`, `0.0.0.0`, `::1`, `::`, `::ffff:127.0.0.1`. */
  address: string;
  port: number;
  inode: number;
}

const LISTEN = "0A";

/**
 * Every TCP socket in the LISTEN state on `port`, read from the kernel's socket tables (not by
 * connecting): which addresses a server really bound, whatever it says about itself.
 */
export function listeningOn(port: number): ListeningSocket[] {
  return [...readTable("/proc/net/tcp"), ...readTable("/proc/net/tcp6")].filter(
    (socket) => socket.port === port,
  );
}

function readTable(path: string): ListeningSocket[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[3] === LISTEN)
    .map((columns) => {
      const [hex = "", portHex = ""] = (columns[1] ?? "").split(":");
      return {
        address: decodeAddress(hex),
        port: parseInt(portHex, 16),
        inode: Number(columns[9]),
      };
    });
}

/**
 * The kernel prints an address as 32-bit words in host byte order (little-endian here): 127.0.0.1
 * is `0100007F`, ::1 is `00000000000000000000000001000000`.
 */
export function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)),
  );
  if (bytes.length === 4) return bytes.join(".");
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16),
  );
  // The URL parser writes an IPv6 address in its canonical short form.
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

/** The loopback addresses a local server may listen on. */
export const LOOPBACK = ["127.0.0.1", "::1"];

/** Port of an `http://host:port` endpoint. */
export const portOf = (endpoint: string) => Number(new URL(endpoint).port);

/** The ids of the processes whose parent is `pid`, with their command names. */
export function childrenOf(pid: number): { pid: number; command: string }[] {
  const children: { pid: number; command: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: the command may hold spaces and parentheses.
      const close = stat.lastIndexOf(")");
      const [, ppid] = stat.slice(close + 2).split(" ");
      if (Number(ppid) === pid) {
        children.push({ pid: Number(entry), command: stat.slice(stat.indexOf("(") + 1, close) });
      }
    } catch {
      // the process exited while we looked
    }
  }
  return children;
}

/** Whether a process with this id still exists (and is no zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
