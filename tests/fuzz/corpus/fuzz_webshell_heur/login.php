<?php
declare(strict_types=1);

require __DIR__ . '/bootstrap.php';

session_start();
$error = null;
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $name = trim((string)($_POST['username'] ?? ''));
    $password = (string)($_POST['password'] ?? '');
    $stmt = $pdo->prepare('SELECT id, pw_hash FROM users WHERE name = ?');
    $stmt->execute([$name]);
    $user = $stmt->fetch(PDO::FETCH_ASSOC);
    if ($user && password_verify($password, $user['pw_hash'])) {
        session_regenerate_id(true);
        $_SESSION['user_id'] = (int)$user['id'];
        header('Location: /dashboard.php');
        exit;
    }
    $error = 'Wrong name or password';
}
?>
<form method="post">
  <input name="username" value="<?= htmlspecialchars($_POST['username'] ?? '', ENT_QUOTES) ?>">
  <input name="password" type="password">
  <?php if ($error): ?><p class="error"><?= htmlspecialchars($error) ?></p><?php endif; ?>
  <button>Log in</button>
</form>
