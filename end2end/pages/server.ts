import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/** A portal server of the test's own, started with extra flags on a free port and a fresh database. */
export class OwnServer {
  private constructor(
    private child: ChildProcess,
    private dir: string,
    private args: string[],
    readonly url: string,
  ) {}

  static async start(flags: string[]): Promise<OwnServer> {
    const dir = mkdtempSync(join(tmpdir(), 'portal-e2e-'));
    const args = [
      '--demo',
      // A fresh SQLite file unless the flags name a database.
      ...(flags.includes('--database-url') ? [] : ['--database-url', `sqlite://${join(dir, 'portal.db')}`]),
      ...flags,
    ];
    const { child, url } = await OwnServer.spawn(dir, [...args, '--listen', '127.0.0.1:0']);
    return new OwnServer(child, dir, args, url);
  }

  /** The address the server listens on (`127.0.0.1:PORT`). */
  get address(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  private static async spawn(dir: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
    const bin = process.env.PORTAL_BIN ?? resolve(__dirname, '../../target/debug/portal');
    const addrFile = join(dir, 'addr');
    if (existsSync(addrFile)) unlinkSync(addrFile);
    const child = spawn(bin, [...args, '--addr-file', addrFile], { stdio: 'ignore', cwd: resolve(__dirname, '../..') });
    for (let i = 0; i < 150; i++) {
      if (existsSync(addrFile) && readFileSync(addrFile, 'utf8').length > 0) {
        const url = `http://${readFileSync(addrFile, 'utf8')}`;
        try {
          const res = await fetch(`${url}/healthz`);
          if (res.ok) return { child, url };
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

  /** Stops the process but keeps its database, so that `restart` can bring the same server back. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }

  /** Starts the server again on the same address and database (demo data is seeded on the first start only;
   * sessions live in the database, so signed-in browsers stay signed in). */
  async restart(): Promise<void> {
    await this.kill();
    const { child } = await OwnServer.spawn(this.dir, [...this.args, '--listen', this.address]);
    this.child = child;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
