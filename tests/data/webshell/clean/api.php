<?php
header('Content-Type: application/json');
$body = json_decode(file_get_contents('php://input'), true) ?? [];
$action = $_GET['action'] ?? '';
switch ($action) {
    case 'list':
        $rows = $pdo->query('SELECT id, title FROM items ORDER BY id DESC LIMIT 50')->fetchAll();
        echo json_encode($rows);
        break;
    case 'add':
        $stmt = $pdo->prepare('INSERT INTO items(title) VALUES (?)');
        $stmt->execute([substr((string)($body['title'] ?? ''), 0, 200)]);
        echo json_encode(['id' => (int)$pdo->lastInsertId()]);
        break;
    default:
        http_response_code(404);
        echo json_encode(['error' => 'unknown action']);
}
