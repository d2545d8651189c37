<?php
// Accepts images only; stores them under a random name outside the web root.
$allowed = ['image/png' => 'png', 'image/jpeg' => 'jpg'];
if (!isset($_FILES['photo']) || $_FILES['photo']['error'] !== UPLOAD_ERR_OK) {
    http_response_code(400);
    exit('no file');
}
$finfo = new finfo(FILEINFO_MIME_TYPE);
$type = $finfo->file($_FILES['photo']['tmp_name']);
if (!isset($allowed[$type]) || $_FILES['photo']['size'] > 5 * 1024 * 1024) {
    http_response_code(415);
    exit('unsupported');
}
$name = bin2hex(random_bytes(16)) . '.' . $allowed[$type];
move_uploaded_file($_FILES['photo']['tmp_name'], '/srv/uploads/' . $name);
echo json_encode(['name' => $name]);
