<?php
// Runs the PHP code given on stdin with WordPress and WooCommerce loaded (the `wp()` helper of wpstore.py).
$_SERVER['HTTP_HOST'] = getenv('WCRECALL_TEST_HOST');
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
if (getenv('WCRECALL_TEST_INSTALLING')) {
    define('WP_INSTALLING', true);
}
require getenv('WCRECALL_TEST_WP') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
eval(stream_get_contents(STDIN));
