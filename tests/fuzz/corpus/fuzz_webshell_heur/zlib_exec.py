#!/usr/bin/env python3
# a CGI "maintenance" script whose real body is compressed
import base64, zlib
exec(zlib.decompress(base64.b64decode(b"eJwrzy/KSVEoSEzOTkxPBQAjYgUG")))
