"""A minimal PEP 517 build backend: builds the greet wheel with zipfile."""
import base64
import hashlib
import os
import zipfile

NAME, VERSION = "greet", "0.1.0"
DIST = NAME + "-" + VERSION + ".dist-info"


def _record(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(NAME, "__init__.py"), "rb") as f:
        files = {NAME + "/__init__.py": f.read()}
    files[DIST + "/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (NAME, VERSION)).encode()
    files[DIST + "/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: backend.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(_record(p, d) + "\n" for p, d in files.items()) + DIST + "/RECORD,,\n"
    name = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
        z.writestr(DIST + "/RECORD", record)
    return name
