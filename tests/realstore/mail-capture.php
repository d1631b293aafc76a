<?php
/*
 * Plugin Name: Test mail capture
 * Description: Every email WordPress would send is appended to WCRECALL_TEST_MAIL_LOG (one JSON object a line) and
 * not sent, so a test can prove which emails the store itself sent.
 */
add_filter('pre_wp_mail', function ($short, $atts) {
    $line = wp_json_encode(array(
        'to' => $atts['to'],
        'subject' => $atts['subject'],
        'message' => $atts['message'],
        'headers' => $atts['headers'],
    ));
    file_put_contents(WCRECALL_TEST_MAIL_LOG, $line . "\n", FILE_APPEND | LOCK_EX);
    return true;
}, 10, 2);
