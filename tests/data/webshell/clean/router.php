<?php
$routes = [
    'home' => 'show_home',
    'news' => 'show_news',
    'contact' => 'show_contact',
];
$page = $_GET['page'] ?? 'home';
$handler = $routes[$page] ?? 'show_not_found';
call_user_func($handler, $_GET);

function show_home(array $q): void { include __DIR__ . '/views/home.php'; }
function show_news(array $q): void { $id = (int)($q['id'] ?? 0); include __DIR__ . '/views/news.php'; }
function show_contact(array $q): void { include __DIR__ . '/views/contact.php'; }
function show_not_found(array $q): void { http_response_code(404); }
