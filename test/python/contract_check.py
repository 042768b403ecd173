"""
lockstep's contract, checked from another language: the official Temporal Python SDK starts
lockstep's workflows by type name with plain JSON, and what comes back is validated against
the JSON Schema files in schemas/ (generated from lockstep's own zod schemas).

Run by test/e2e/python-contract.test.ts against a dev server with a lockstep worker and the Seam
simulator; arguments come from the environment:
  TEMPORAL_ADDRESS, LOCKSTEP_TASK_QUEUE, READY_DEVICE (locks), OFFLINE_DEVICE (fails), STAY_KEY.
Prints one line per check ("ok <what>") and exits 1 on the first one that fails.
"""
import asyncio
import json
import os
import pathlib
import sys
import traceback
import uuid
from datetime import datetime, timedelta, timezone

import jsonschema
from temporalio.client import Client, WorkflowFailureError, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.exceptions import ApplicationError

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check(name: str, value: object, what: str) -> None:
    errors = sorted(validator(name).iter_errors(value), key=str)
    if errors:
        print(f"FAIL {what}: {errors[0].message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {what}")


def step(what: str) -> None:
    """Where the check is (a run stopped from outside shows its last step)."""
    print(f"step {what}", flush=True)


def refused(name: str, value: object, what: str) -> None:
    if validator(name).is_valid(value):
        print(f"FAIL {what}: the schema accepted it", file=sys.stderr)
        sys.exit(1)
    print(f"ok {what}")


async def main() -> None:
    env = os.environ
    step("connecting")
    client = await Client.connect(env["TEMPORAL_ADDRESS"])
    queue = env["LOCKSTEP_TASK_QUEUE"]

    # A lock, started by type name with plain JSON; its result against the result schema.
    request = {"deviceId": env["READY_DEVICE"], "requestId": f"py-{uuid.uuid4()}"}
    check("lock-action-input", request, "lock input is valid by the input schema")
    refused("lock-action-input", {**request, "doors": ["a"]}, "an unknown field is refused by the input schema")
    step("locking")
    result = await client.execute_workflow(
        "LockDoorWorkflow",
        request,
        id=f"lock/{request['deviceId']}/{request['requestId']}",
        task_queue=queue,
    )
    check("lock-action-result", result, "LockDoorWorkflow result matches the result schema")

    # A lock that fails: the ApplicationError's type is the code, details[0] the failure report.
    step("locking the offline device")
    failing = {"deviceId": env["OFFLINE_DEVICE"], "requestId": f"py-{uuid.uuid4()}"}
    try:
        await client.execute_workflow(
            "LockDoorWorkflow", failing, id=f"lock/{failing['deviceId']}/{failing['requestId']}", task_queue=queue
        )
        print("FAIL the offline lock succeeded", file=sys.stderr)
        sys.exit(1)
    except WorkflowFailureError as err:
        cause = err.cause
        if not isinstance(cause, ApplicationError) or not cause.details:
            print(f"FAIL the failure carries no report: {cause!r}", file=sys.stderr)
            sys.exit(1)
        report = cause.details[0]
        check("failure-report", report, "the failure's details[0] matches the failure-report schema")
        if report["code"] != cause.type or report["code"] != "DEVICE_OFFLINE":
            print(f"FAIL code {report['code']} / type {cause.type}, expected DEVICE_OFFLINE", file=sys.stderr)
            sys.exit(1)
        print("ok the ApplicationError type is the report's code (DEVICE_OFFLINE)")

    # The lock's door, queried by name; its answer against the door-view schema.
    step("querying the door")
    door = await client.get_workflow_handle(f"door/{request['deviceId']}").query("door")
    check("door-view", door, "the door's query answer is valid by the door-view schema")

    # A stay, started by type name; its input valid by the schema; the stay answers its query.
    now = datetime.now(timezone.utc)
    stay = {
        "reservationKey": env["STAY_KEY"],
        "deviceIds": [env["READY_DEVICE"]],
        "checkIn": (now + timedelta(days=1)).isoformat(),
        "checkOut": (now + timedelta(days=2)).isoformat(),
    }
    check("reservation-input", stay, "stay input is valid by the reservation-input schema")
    step("starting the stay")
    handle = await client.start_workflow(
        "ReservationWorkflow", stay, id=f"reservation/{stay['reservationKey']}", task_queue=queue
    )
    view = None
    last_error: Exception | None = None
    for _ in range(50):
        try:
            view = await handle.query("reservation", rpc_timeout=timedelta(seconds=5))
            break
        except (WorkflowQueryFailedError, RPCError) as err:  # the stay answers once it has checked its input
            last_error = err
            await asyncio.sleep(0.2)
    if view is None:
        print(f"FAIL the stay never answered its query: {last_error!r}", file=sys.stderr)
        sys.exit(1)
    if not view or view.get("reservationKey") != stay["reservationKey"] or view.get("stage") != "booked":
        print(f"FAIL the stay's query answered {view!r}", file=sys.stderr)
        sys.exit(1)
    print("ok ReservationWorkflow started by name answers its reservation query (booked)")
    check("reservation-view", view, "the stay's query answer is valid by the reservation-view schema")
    step("cancelling the stay")
    await handle.execute_update("cancel")
    print("ok the stay's cancel update, by name")


def run() -> int:
    """main()'s exit code: 0, 1 from a failed check, 1 with its traceback from anything else."""
    try:
        asyncio.run(main())
    except SystemExit as exited:
        return exited.code if isinstance(exited.code, int) else 1
    except BaseException:  # noqa: BLE001 - any error is a failed check, said on stderr
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    code = run()
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without the interpreter's teardown: in a short-lived process the SDK's client threads
    # can crash it (SIGABRT "PyGILState_Release ... finalizing", or SIGSEGV) after every call has
    # completed (temporalio/sdk-python#300). Seen in CI on 2026-11-27; 11 of 150 runs of a
    # connect-start-terminate script here, none of 150 with this exit.
    os._exit(code)
