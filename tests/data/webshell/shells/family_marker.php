<?php
/* FilesMan */
$default_action = 'FilesMan';
echo "<title>WSO 2.5</title>";
