"""Conformance of the portal's REST API with the official Python SDK (azure-mgmt-storageimportexport 1.0.0b2).

Drives the real SDK against a running portal started with --demo (for the demo customer's token). Run by
scripts/sdk-test; by hand:

    PORTAL_URL=http://127.0.0.1:3000 PORTAL_TOKEN=<demo customer token> \
    PORTAL_SUBSCRIPTION=<demo subscription> OTHER_TOKEN=<another customer's token> \
    .venv/bin/python tests/sdk/conformance.py

Every check is a function named check_*, run in file order (later checks use jobs made by earlier ones).
Each run uses its own resource group, so the script can run again against the same server; no check needs a
particular demo job (how old the demo data is, or what other tests did to it, does not matter). It ends with the
line "N passed, N failed" and exits non-zero on any failure.
"""

import math
import os
import sys
import traceback
import uuid

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.storageimportexport import StorageImportExport
from azure.mgmt.storageimportexport.models import (
    DeliveryPackageInformation,
    DriveStatus,
    Export,
    JobDetails,
    PutJobParameters,
    ReturnAddress,
    ReturnShipping,
    UpdateJobParameters,
)

URL = os.environ["PORTAL_URL"].rstrip("/")
TOKEN = os.environ["PORTAL_TOKEN"]
SUBSCRIPTION = os.environ["PORTAL_SUBSCRIPTION"]
OTHER_TOKEN = os.environ["OTHER_TOKEN"]

RUN = uuid.uuid4().hex[:8]
GROUP = f"sdk-{RUN}"
IMPORT_JOB = f"imp-{RUN}"
EXPORT_JOB = f"exp-{RUN}"
BACKUP_JOB = f"bak-{RUN}"
# Only if the subscription has no job past every cancellation window (see the check), in a group of its own so
# that the resource-group paging check still sees exactly its three jobs.
CANCELLED_GROUP = f"sdk-{RUN}-cancelled"
CANCELLED_JOB = f"can-{RUN}"
STORAGE = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
    "/providers/Microsoft.Storage/storageAccounts/sdkstore01"
)
KEYS = {
    "SDK-DRIVE-1": "123453-234564-345675-456786-567897-678920-123442-000000",
    "SDK-DRIVE-2": "000011-000022-000033-000044-000055-000066-000077-000088",
}


class BearerToken(SansIOHTTPPolicy):
    """Sends the portal's API token. The SDK's own bearer policy refuses plain http, and the portal's tokens
    are not Azure AD tokens anyway."""

    def __init__(self, token):
        super().__init__()
        self.token = token

    def on_request(self, request):
        request.http_request.headers["Authorization"] = f"Bearer {self.token}"


class NoCredential:
    """The client requires a credential object; the authentication policy above does the work."""

    def get_token(self, *scopes, **kwargs):
        raise AssertionError("the custom authentication policy must be used instead")


SEEN = []


def remember(response):
    """raw_response_hook: keeps every request/response pair for the request-id checks."""
    SEEN.append((response.http_request, response.http_response))


def client(token=TOKEN, subscription=SUBSCRIPTION, **kwargs):
    return StorageImportExport(
        credential=NoCredential(),
        subscription_id=subscription,
        base_url=URL,
        authentication_policy=BearerToken(token),
        retry_total=0,
        raw_response_hook=remember,
        **kwargs,
    )


SDK = client()


def drives():
    # The SDK's DriveStatus defaults `state` to "Specified": the server must take it as an echo.
    return [
        DriveStatus(
            drive_id=drive_id,
            bit_locker_key=key,
            manifest_file="\\DriveManifest.xml",
            manifest_hash="109B21108597EF36D5785F08303F3638",
        )
        for drive_id, key in KEYS.items()
    ]


def address():
    return ReturnAddress(
        recipient_name="Ada Lovelace",
        street_address1="1 Analytical Way",
        city="Redmond",
        state_or_province="WA",
        postal_code="98052",
        country_or_region="USA",
        phone="+1 425 555 0100",
        email="ada@example.com",
    )


def import_body(backup=False):
    return PutJobParameters(
        location="westus",
        tags={"suite": "sdk"},
        properties=JobDetails(
            storage_account_id=STORAGE,
            job_type="Import",
            diagnostics_path="waimportexport",
            log_level="Verbose",
            backup_drive_manifest=backup,
            drive_list=drives(),
        ),
    )


def status_of(call, *args, **kwargs):
    """Runs an SDK call and returns (deserialized result, HTTP status)."""
    return call(*args, cls=lambda pipeline, result, headers: (result, pipeline.http_response.status_code), **kwargs)


def expect(error_type, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except error_type as e:
        return e
    raise AssertionError(f"expected {error_type.__name__}")


# --------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------


def check_create_an_import_job_with_two_drives():
    job, status = status_of(SDK.jobs.create, IMPORT_JOB, GROUP, import_body())
    assert status == 201, status
    assert job.name == IMPORT_JOB and job.type == "Microsoft.ImportExport/jobs"
    assert job.id == f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.ImportExport/jobs/{IMPORT_JOB}"
    assert job.location == "westus" and job.tags == {"suite": "sdk"}
    p = job.properties
    assert p.state == "Creating" and p.job_type == "Import" and p.provisioning_state == "Succeeded"
    assert [d.drive_id for d in p.drive_list] == list(KEYS)
    assert all(d.state == "Specified" for d in p.drive_list)
    assert all(d.bit_locker_key is None for d in p.drive_list), "BitLocker keys must never be echoed"
    assert all(d.copy_status is None for d in p.drive_list)
    assert p.return_package is None
    assert p.shipping_information.city == "Santa Clara", p.shipping_information
    assert p.encryption_key.kek_type == "MicrosoftManaged"
    raw = SEEN[-1][1].text()
    assert all(key not in raw for key in KEYS.values()), "a BitLocker key is in the response body"


def check_a_second_put_while_creating_replaces_the_job_with_200():
    body = import_body()
    body.tags = {"suite": "sdk", "replaced": "yes"}
    job, status = status_of(SDK.jobs.create, IMPORT_JOB, GROUP, body)
    assert status == 200, status
    assert job.tags["replaced"] == "yes"


def check_create_an_export_job():
    body = PutJobParameters(
        location="northeurope",
        properties=JobDetails(
            storage_account_id=STORAGE,
            job_type="Export",
            export=Export(blob_path=["/photos/2026/holiday.jpg"], blob_path_prefix=["/backups/"]),
        ),
    )
    job, status = status_of(SDK.jobs.create, EXPORT_JOB, GROUP, body)
    assert status == 201, status
    assert job.properties.job_type == "Export"
    assert job.properties.drive_list == []
    assert job.properties.export.blob_path == ["/photos/2026/holiday.jpg"]
    assert job.properties.export.blob_path_prefix == ["/backups/"]


def check_create_with_the_backup_flag():
    job = SDK.jobs.create(BACKUP_JOB, GROUP, import_body(backup=True))
    assert job.properties.backup_drive_manifest is True


def check_get_returns_the_jobs_with_system_data_of_the_api_token():
    imp = SDK.jobs.get(IMPORT_JOB, GROUP)
    exp = SDK.jobs.get(EXPORT_JOB, GROUP)
    assert imp.properties.state == "Creating" and exp.properties.job_type == "Export"
    assert imp.identity.type == "None"
    assert imp.system_data.created_by_type == "Application", imp.system_data
    assert "API token" in imp.system_data.created_by, imp.system_data.created_by
    assert imp.system_data.created_at is not None


def check_invalid_input_is_a_400_naming_the_field():
    body = import_body()
    body.properties.drive_list[0].bit_locker_key = "not-a-key"
    e = expect(HttpResponseError, SDK.jobs.create, f"bad-{RUN}", GROUP, body)
    assert e.status_code == 400, e.status_code
    assert e.error.target == "properties.driveList[0].bitLockerKey", e.error.target
    body = import_body()
    body.location = "atlantis"
    e = expect(HttpResponseError, SDK.jobs.create, f"bad-{RUN}", GROUP, body)
    assert e.status_code == 400 and e.error.target == "location", (e.status_code, e.error.target)


def check_update_with_return_address_shipping_and_delivery_package():
    update = UpdateJobParameters(
        return_address=address(),
        return_shipping=ReturnShipping(carrier_name="FedEx", carrier_account_number="123456789"),
        delivery_package=DeliveryPackageInformation(
            carrier_name="FedEx", tracking_number="123456789012", drive_count=2, ship_date="2026-11-25"
        ),
    )
    job = SDK.jobs.update(IMPORT_JOB, GROUP, update)
    p = job.properties
    assert p.state == "Creating"
    assert p.return_address.email == "ada@example.com"
    assert p.return_shipping.carrier_account_number == "123456789"
    assert p.delivery_package.tracking_number == "123456789012"
    assert "API token" in job.system_data.last_modified_by
    assert job.system_data.last_modified_by_type == "Application"


def check_a_patch_with_sdk_defaults_neither_cancels_nor_resets_the_backup_flag():
    # UpdateJobParameters() serialises cancelRequested: false and backupDriveManifest: false.
    job = SDK.jobs.update(BACKUP_JOB, GROUP, UpdateJobParameters(log_level="Error"))
    sent = SEEN[-1][0].body or b""
    sent = sent.decode() if isinstance(sent, bytes) else str(sent)
    assert '"cancelRequested": false' in sent and '"backupDriveManifest": false' in sent, sent
    assert job.properties.cancel_requested is False
    assert job.properties.backup_drive_manifest is True
    assert job.properties.log_level == "Error"
    assert job.properties.state == "Creating"


def check_mark_shipping():
    job = SDK.jobs.update(IMPORT_JOB, GROUP, UpdateJobParameters(state="Shipping"))
    assert job.properties.state == "Shipping"
    # The same PATCH again, and the SDK's defaults, change nothing.
    job = SDK.jobs.update(IMPORT_JOB, GROUP, UpdateJobParameters(state="Shipping"))
    assert job.properties.state == "Shipping" and job.properties.cancel_requested is False


def check_shipping_without_a_delivery_package_is_409():
    e = expect(ResourceExistsError, SDK.jobs.update, BACKUP_JOB, GROUP, UpdateJobParameters(state="Shipping"))
    assert e.status_code == 409
    assert e.error.target == "properties.deliveryPackage", e.error.target


def check_a_state_the_service_owns_is_400():
    e = expect(HttpResponseError, SDK.jobs.update, BACKUP_JOB, GROUP, UpdateJobParameters(state="Received"))
    assert e.status_code == 400 and e.error.target == "properties.state", (e.status_code, e.error.target)


def check_delete_is_refused_in_shipping():
    e = expect(ResourceExistsError, SDK.jobs.delete, IMPORT_JOB, GROUP)
    assert e.status_code == 409
    assert SDK.jobs.get(IMPORT_JOB, GROUP).properties.state == "Shipping"


def check_cancellation_where_the_window_allows_it():
    job = SDK.jobs.update(IMPORT_JOB, GROUP, UpdateJobParameters(cancel_requested=True))
    assert job.properties.cancel_requested is True
    assert job.properties.state == "Shipping"


def job_past_every_window():
    """(name, resource group) of a job no cancellation window lets the customer cancel, or None. Any job of the
    subscription will do (the demo data has several), so the check does not depend on which demo jobs are
    still in which state after a server has moved its clock."""
    for state in ("Packaging", "Completed", "Closed"):
        for job in SDK.jobs.list_by_subscription(filter=f"state eq '{state}'"):
            if not job.properties.cancel_requested:
                group = job.id.split("/resourceGroups/")[1].split("/")[0]
                return job.name, group
    return None


def check_cancellation_where_the_window_does_not_allow_it_is_409():
    found = job_past_every_window()
    if found is None:
        # Nothing past the window: a job of our own, cancelled while Creating (it ends Completed at once); a
        # second request is refused by the same rule with the same answer.
        print("     (no job past the cancellation window in the subscription; using a cancelled job of its own)")
        SDK.jobs.create(CANCELLED_JOB, CANCELLED_GROUP, import_body())
        job = SDK.jobs.update(CANCELLED_JOB, CANCELLED_GROUP, UpdateJobParameters(cancel_requested=True))
        assert job.properties.state == "Completed" and job.properties.cancel_requested is True, job.properties
        found = (CANCELLED_JOB, CANCELLED_GROUP)
    name, group = found
    before = SDK.jobs.get(name, group).properties
    e = expect(ResourceExistsError, SDK.jobs.update, name, group, UpdateJobParameters(cancel_requested=True))
    assert e.status_code == 409
    assert e.error.target == "properties.cancelRequested", e.error.target
    after = SDK.jobs.get(name, group).properties
    assert (after.state, after.cancel_requested) == (before.state, before.cancel_requested), (before, after)


def check_list_by_subscription_pages_with_top_2():
    # However many jobs the subscription holds (this run's three at least): full pages of two, then the rest.
    everything = [j.name for j in SDK.jobs.list_by_subscription()]
    assert len(everything) >= 3, everything
    pages = [list(page) for page in SDK.jobs.list_by_subscription(top=2).by_page()]
    assert len(pages) == math.ceil(len(everything) / 2), ([len(p) for p in pages], len(everything))
    assert all(len(p) == 2 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 2, [len(p) for p in pages]
    names = [j.name for p in pages for j in p]
    assert len(names) == len(set(names)), "a job appeared on two pages"
    assert names == everything, "the pages hold the whole list, in its order"
    assert {IMPORT_JOB, EXPORT_JOB, BACKUP_JOB} <= set(names)


def check_list_by_resource_group_pages_with_top_2():
    pages = [list(page) for page in SDK.jobs.list_by_resource_group(GROUP, top=2).by_page()]
    assert [len(p) for p in pages] == [2, 1], [len(p) for p in pages]
    names = {j.name for p in pages for j in p}
    assert names == {IMPORT_JOB, EXPORT_JOB, BACKUP_JOB}, names


def check_filter_by_state_and_job_type():
    shipping = list(SDK.jobs.list_by_subscription(filter="state eq 'Shipping'"))
    assert shipping and all(j.properties.state == "Shipping" for j in shipping)
    assert IMPORT_JOB in {j.name for j in shipping}
    exports = list(SDK.jobs.list_by_resource_group(GROUP, top=1, filter="jobType eq 'Export' and state eq 'Creating'"))
    assert [j.name for j in exports] == [EXPORT_JOB]
    e = expect(HttpResponseError, lambda: list(SDK.jobs.list_by_subscription(filter="name eq 'x'")))
    assert e.status_code == 400 and e.error.target == "$filter", (e.status_code, e.error.target)


def check_list_bitlocker_keys():
    keys = {k.drive_id: k.bit_locker_key for k in SDK.bit_locker_keys.list(IMPORT_JOB, GROUP)}
    assert keys == KEYS, keys


def check_locations_and_operations():
    locations = {l.name: l for l in SDK.locations.list()}
    assert {"westus", "eastus", "northeurope", "australiaeast"} <= set(locations), list(locations)
    assert locations["westus"].supported_carriers == ["FedEx"]
    eastus = SDK.locations.get("eastus")
    assert eastus.id == "/providers/Microsoft.ImportExport/locations/eastus"
    assert eastus.type == "Microsoft.ImportExport/locations"
    assert set(eastus.supported_carriers) == {"FedEx", "UPS"}
    expect(ResourceNotFoundError, SDK.locations.get, "atlantis")
    names = [o.name for o in SDK.operations.list()]
    assert "Microsoft.ImportExport/jobs/read" in names, names


def check_delete_in_creating():
    SDK.jobs.delete(EXPORT_JOB, GROUP)
    expect(ResourceNotFoundError, SDK.jobs.get, EXPORT_JOB, GROUP)
    expect(ResourceNotFoundError, SDK.jobs.delete, EXPORT_JOB, GROUP)


def check_another_customers_token_gets_not_found():
    other = client(token=OTHER_TOKEN)
    expect(ResourceNotFoundError, other.jobs.get, IMPORT_JOB, GROUP)
    expect(ResourceNotFoundError, other.bit_locker_keys.list(IMPORT_JOB, GROUP).__iter__().__next__)
    expect(ResourceNotFoundError, other.jobs.update, IMPORT_JOB, GROUP, UpdateJobParameters(cancel_requested=True))
    expect(ResourceNotFoundError, other.jobs.delete, BACKUP_JOB, GROUP)
    expect(ResourceNotFoundError, other.jobs.create, f"steal-{RUN}", GROUP, import_body())
    expect(ResourceNotFoundError, lambda: list(other.jobs.list_by_subscription()))
    # Nothing changed for the owner.
    assert SDK.jobs.get(BACKUP_JOB, GROUP).properties.state == "Creating"


def check_a_bad_token_gets_client_authentication_error():
    bad = client(token="iep_" + "0" * 64)
    e = expect(ClientAuthenticationError, bad.jobs.get, IMPORT_JOB, GROUP)
    assert e.status_code == 401
    expect(ClientAuthenticationError, lambda: list(bad.locations.list()))


def check_api_version_2020_08_01_is_served_too():
    old = client(api_version="2020-08-01")
    assert old.jobs.get(IMPORT_JOB, GROUP).name == IMPORT_JOB
    assert SEEN[-1][0].query.get("api-version") == "2020-08-01"


def check_request_ids_are_echoed():
    assert SEEN, "no request was recorded"
    for request, response in SEEN:
        sent = request.headers.get("x-ms-client-request-id")
        assert sent, "the SDK sends a client request id"
        assert response.headers.get("x-ms-client-request-id") == sent, (request.url, response.status_code)
        assert response.headers.get("x-ms-request-id"), (request.url, response.status_code)


def main():
    checks = [(name, f) for name, f in globals().items() if name.startswith("check_") and callable(f)]
    passed = failed = 0
    print(f"SDK conformance against {URL} (resource group {GROUP})")
    for name, check in checks:
        try:
            check()
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
