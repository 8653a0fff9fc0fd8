import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

export interface OwnServerOptions {
  /** Extra environment variables (settings such as PORTAL_TIMER_CREATING_EXPIRY). */
  env?: Record<string, string>;
}

/**
 * A portal server of the test's own, started with extra flags on a free port and a fresh database. Its
 * output (the start-up banner and the logs) is kept, so tests can wait for what it says.
 */
export class OwnServer {
  private exited: Promise<void>;

  private constructor(
    private child: ChildProcess,
    private dir: string,
    private output: { text: string },
    readonly url: string,
  ) {
    this.exited = new Promise((r) => {
      if (child.exitCode !== null || child.signalCode !== null) r();
      else child.once('exit', () => r());
    });
  }

  static async start(flags: string[], options: OwnServerOptions = {}): Promise<OwnServer> {
    const bin = process.env.PORTAL_BIN ?? resolve(__dirname, '../../target/debug/portal');
    const dir = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
    const addrFile = join(dir, 'addr');
    const child = spawn(
      bin,
      [
        '--demo',
        '--listen', '127.0.0.1:0',
        '--addr-file', addrFile,
        // A fresh SQLite file unless the flags name a database.
        ...(flags.includes('--database-url') ? [] : ['--database-url', `sqlite://${join(dir, 'portal.db')}`]),
        ...flags,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: resolve(__dirname, '../..'),
        // Plain log lines (no colour codes), so that tests can match them.
        env: { ...process.env, NO_COLOR: '1', ...options.env },
      },
    );
    const output = { text: '' };
    const keep = (chunk: Buffer) => {
      output.text += chunk.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    for (let i = 0; i < 150; i++) {
      if (existsSync(addrFile) && readFileSync(addrFile, 'utf8').length > 0) {
        const url = `http://${readFileSync(addrFile, 'utf8')}`;
        try {
          const res = await fetch(`${url}/healthz`);
          if (res.ok) return new OwnServer(child, dir, output, url);
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

  /** Everything the server printed so far. */
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

  /** Ends the process with `signal` (SIGKILL: no clean shutdown, as in a crash) and waits until it is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }

  /** A clean shutdown; a server that does not exit within ten seconds is killed. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const slow = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(slow);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
