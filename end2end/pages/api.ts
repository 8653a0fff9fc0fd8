import { APIRequestContext, expect } from '@playwright/test';

/** The demo customer's API token, seeded in demo mode (src/server/demo.rs). */
export const DEMO_TOKEN = 'iep_demo0customer0token0for0the0local0portal0only000000000000000000';
export const DEMO_SUBSCRIPTION = '6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f';
export const DEMO_RESOURCE_GROUP = 'demo-rg';
const VERSION = 'api-version=2021-01-01';
const KEY = '123453-234564-345675-456786-567897-678920-123442-000000';

function jobUrl(name: string): string {
  return `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/${DEMO_RESOURCE_GROUP}/providers/Microsoft.ImportExport/jobs/${name}?${VERSION}`;
}

const auth = { Authorization: `Bearer ${DEMO_TOKEN}` };

/** The demo customer's REST API (Microsoft.ImportExport), as a program would use it. */
export class DemoApi {
  constructor(private request: APIRequestContext, private baseURL?: string) {}

  private url(name: string): string {
    return `${this.baseURL ?? ''}${jobUrl(name)}`;
  }

  /** Creates an import job with one drive; `properties` are merged into the job's properties. */
  async createImportJob(name: string, location = 'westus', properties: Record<string, unknown> = {}): Promise<void> {
    const res = await this.request.put(this.url(name), {
      headers: auth,
      data: {
        location,
        properties: {
          jobType: 'Import',
          storageAccountId: `/subscriptions/${DEMO_SUBSCRIPTION}/resourceGroups/${DEMO_RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/e2estore01`,
          driveList: [
            { driveId: `${name.toUpperCase()}-D1`.slice(0, 30), bitLockerKey: KEY, manifestFile: '\\DriveManifest.xml', manifestHash: '109B21108597EF36D5785F08303F3638' },
          ],
          ...properties,
        },
      },
    });
    expect(res.status(), await res.text()).toBe(201);
  }

  /** `PATCH …/jobs/{name}` with `body` (an UpdateJobParameters). */
  async update(name: string, body: Record<string, unknown>): Promise<void> {
    const res = await this.request.patch(this.url(name), { headers: auth, data: body });
    expect(res.status(), await res.text()).toBe(200);
  }
}
