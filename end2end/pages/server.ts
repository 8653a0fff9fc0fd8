import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/** A portal server of the test's own, started with extra flags on a free port and a fresh database. */
export class OwnServer {
  private constructor(private child: ChildProcess, private dir: string, readonly url: string) {}

  static async start(flags: string[]): Promise<OwnServer> {
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
      { stdio: 'ignore', cwd: resolve(__dirname, '../..') },
    );
    for (let i = 0; i < 150; i++) {
      if (existsSync(addrFile) && readFileSync(addrFile, 'utf8').length > 0) {
        const url = `http://${readFileSync(addrFile, 'utf8')}`;
        try {
          const res = await fetch(`${url}/healthz`);
          if (res.ok) return new OwnServer(child, dir, url);
        } catch {
          // not listening yet
        }
      }
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill();
    throw new Error('the server did not start');
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
