<?php
return [
    'db' => [
        'dsn' => 'mysql:host=127.0.0.1;dbname=appdb;charset=utf8mb4',
        'user' => 'app',
        'password' => getenv('APP_DB_PASSWORD'),
    ],
    'mail' => ['from' => 'noreply@example.gov.cn'],
    // the logo, inlined
    'logo' => 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
];
