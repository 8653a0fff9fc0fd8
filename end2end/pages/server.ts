import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

export interface OwnServerOptions {
  /** Extra environment variables (settings such as PORTAL_TIMER_CREATING_EXPIRY). */
  env?: Record<string, string>;
}

/** One running process of an `OwnServer` (a restart makes a new one). */
interface Process {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * A portal server of the test's own, started with extra flags on a free port and a fresh database. Its
 * output (the start-up banner and the logs) is kept, so tests can wait for what it says; it can be killed
 * like a crash, and restarted on the same address and database.
 */
export class OwnServer {
  private constructor(
    private proc: Process,
    private dir: string,
    private args: string[],
    private options: OwnServerOptions,
    private output: { text: string },
    readonly url: string,
  ) {}

  static async start(flags: string[], options: OwnServerOptions = {}): Promise<OwnServer> {
    const dir = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
    const args = [
      '--demo',
      // A fresh SQLite file unless the flags name a database.
      ...(flags.includes('--database-url') ? [] : ['--database-url', `sqlite://${join(dir, 'portal.db')}`]),
      ...flags,
    ];
    const output = { text: '' };
    const { proc, url } = await OwnServer.spawn(dir, [...args, '--listen', '127.0.0.1:0'], options, output);
    return new OwnServer(proc, dir, args, options, output, url);
  }

  /** The address the server listens on (`127.0.0.1:PORT`). */
  get address(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  private static async spawn(
    dir: string,
    args: string[],
    options: OwnServerOptions,
    output: { text: string },
  ): Promise<{ proc: Process; url: string }> {
    const bin = process.env.PORTAL_BIN ?? resolve(__dirname, '../../target/debug/portal');
    const addrFile = join(dir, 'addr');
    if (existsSync(addrFile)) unlinkSync(addrFile);
    const child = spawn(bin, [...args, '--addr-file', addrFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: resolve(__dirname, '../..'),
      // Plain log lines (no colour codes), so that tests can match them.
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    const keep = (chunk: Buffer) => {
      output.text += chunk.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) r();
      else child.once('exit', () => r());
    });
    for (let i = 0; i < 150; i++) {
      if (existsSync(addrFile) && readFileSync(addrFile, 'utf8').length > 0) {
        const url = `http://${readFileSync(addrFile, 'utf8')}`;
        try {
          const res = await fetch(`${url}/healthz`);
          if (res.ok) return { proc: { child, exited }, url };
        } catch {
          // not listening yet
        }
      }
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill();
    throw new Error(`the server did not start:\n${output.text}`);
  }

  /** Everything the server printed so far (every start of it). */
  log(): string {
    return this.output.text;
  }

  /** Waits until the server's output contains `text`. */
  async waitForLog(text: string, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.output.text.includes(text)) {
      if (Date.now() > until) throw new Error(`the server did not say "${text}" within ${timeoutMs} ms:\n${this.output.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private get running(): boolean {
    const { child } = this.proc;
    return child.exitCode === null && child.signalCode === null;
  }

  /**
   * Ends the process and waits until it is gone, keeping its database for `restart`: SIGTERM (the default)
   * is a clean shutdown — a server that does not exit within ten seconds is killed — and SIGKILL a crash.
   */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.proc.child.kill(signal);
    const slow = setTimeout(() => this.proc.child.kill('SIGKILL'), 10_000);
    await this.proc.exited;
    clearTimeout(slow);
  }

  /** Starts the server again on the same address and database (demo data is seeded on the first start only;
   * sessions live in the database, so signed-in browsers stay signed in). */
  async restart(): Promise<void> {
    await this.kill();
    const { proc } = await OwnServer.spawn(
      this.dir,
      [...this.args, '--listen', this.address],
      this.options,
      this.output,
    );
    this.proc = proc;
  }

  /** A clean shutdown, and the server's files removed. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
