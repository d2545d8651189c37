<?php
/*
Plugin Name: Office Hours
Description: Shows the office hours of the service desk.
*/
add_shortcode('office_hours', function ($atts) {
    $atts = shortcode_atts(['day' => 'weekday'], $atts);
    $hours = get_option('office_hours_' . sanitize_key($atts['day']), '9:00-17:00');
    return '<span class="hours">' . esc_html($hours) . '</span>';
});
add_action('admin_post_save_hours', function () {
    check_admin_referer('save_hours');
    update_option('office_hours_weekday', sanitize_text_field($_POST['weekday'] ?? ''));
    wp_safe_redirect(admin_url('options-general.php?page=office-hours'));
    exit;
});
