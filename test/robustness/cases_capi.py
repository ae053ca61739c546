"""Surface 4: the runtime's C API (include/bitnet-c/bitnet.h), driven through
ctypes by capi_driver.py, one process per case (a crash is a signal).

Each action checks the header's documented behaviour (NULL or -1 with a
message, or a right result) and exits 0; a wrong return exits 3.  Add a
case: write an action in capi_driver.py; it is picked up by name.
"""

import os

from rbcore import Case, safe_name

import capi_driver

_CASES = []


def cases():
    return list(_CASES)


for name in capi_driver.ACTIONS:
    case = Case(f"capi/{name}", "capi", expect="ok", needs="plain decoder", timeout=60)

    def steps(ctx, name=name):
        p, dec = ctx.fixture("plain"), ctx.fixture("decoder")
        work = os.path.join(ctx.work, "capi", safe_name(name))
        return [[ctx.python, os.path.join(ctx.here, "capi_driver.py"), ctx.runtime_lib, name,
                 p["so"], dec["so"], work, ",".join(map(str, dec["tokens"]))]]

    case.steps = steps
    _CASES.append(case)
