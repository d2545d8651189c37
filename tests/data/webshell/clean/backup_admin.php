<?php
// Admin task: dump the database with fixed arguments; no request data reaches the shell.
require_admin();
$target = '/var/backups/app-' . date('Ymd') . '.sql';
$cmd = 'mysqldump --single-transaction appdb > ' . escapeshellarg($target);
exec($cmd, $output, $status);
if ($status !== 0) {
    error_log('backup failed: ' . implode("\n", $output));
}
$size = filesize($target);
system('logger -t app "backup done"');
echo "Backup written ($size bytes)";
