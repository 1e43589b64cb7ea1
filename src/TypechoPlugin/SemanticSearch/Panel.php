<?php
/**
 * The owner's page (Manage → Semantic search): index health and search analytics from the service, fetched here on
 * the server with the admin token from the plugin settings, which never reaches the browser. Typecho's admin menu
 * lets only administrators in (the panel is registered with level 'administrator'); the check below repeats that.
 */

namespace TypechoPlugin\SemanticSearch;

if (!defined('__TYPECHO_ADMIN__')) {
    exit;
}

// admin/extending.php has run admin/common.php ($options, $user, $request); include the page frame by full path,
// since PHP resolves a bare 'header.php' against this plugin's folder and the working directory, not admin/.
$adminDir = __TYPECHO_ROOT_DIR__ . __TYPECHO_ADMIN_DIR__;
$user->pass('administrator');
$helper = class_exists('\Utils\Helper') ? '\Utils\Helper' : 'Helper';
include $adminDir . 'header.php';
include $adminDir . 'menu.php';

$periods = [1, 7, 30, 90];
$days = (int) $request->get('days', 7);
$days = in_array($days, $periods, true) ? $days : 7;

$settings = Plugin::settings();
$client = $settings->hasService() ? new ServiceClient($settings->serviceUrl, $settings->apiKey, max($settings->timeout, 3.0)) : null;

/** @return array{0: ?array, 1: string} the service's JSON, or null and why not */
$fetch = static function (string $path) use ($client, $settings): array {
    if ($client === null) {
        return [null, _t('No service URL in the plugin settings.')];
    }
    try {
        return [$client->admin($path, Plugin::adminToken()), ''];
    } catch (ServiceUnavailable $e) {
        return [null, $e->getMessage()];
    }
};
[$status, $statusError] = $fetch('/admin/status');
[$analytics, $analyticsError] = $fetch('/admin/analytics?days=' . $days);

$e = static function ($value): string {
    return htmlspecialchars(is_scalar($value) ? (string) $value : json_encode($value, JSON_UNESCAPED_UNICODE), ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
};
$percent = static function ($share): string {
    return is_numeric($share) ? sprintf('%.1f%%', 100 * (float) $share) : '—';
};
$ago = static function ($iso): string {
    $time = is_string($iso) ? strtotime($iso) : false;
    if ($time === false) {
        return _t('never');
    }
    $seconds = max(0, time() - $time);
    return $seconds < 120 ? sprintf(_t('%d s ago'), $seconds)
        : ($seconds < 7200 ? sprintf(_t('%d min ago'), intdiv($seconds, 60)) : sprintf(_t('%d h ago'), intdiv($seconds, 3600)));
};
/** A table of rows (arrays) with the given columns: key => heading. */
$table = static function (array $rows, array $columns, string $empty) use ($e): string {
    if (!$rows) {
        return '<p class="semantic-search-empty">' . $e($empty) . '</p>';
    }
    $html = '<table class="typecho-list-table"><thead><tr>';
    foreach ($columns as $heading) {
        $html .= '<th>' . $e($heading) . '</th>';
    }
    $html .= '</tr></thead><tbody>';
    foreach ($rows as $row) {
        $html .= '<tr>';
        foreach (array_keys($columns) as $key) {
            $html .= '<td>' . $e($row[$key] ?? '') . '</td>';
        }
        $html .= '</tr>';
    }
    return $html . '</tbody></table>';
};
?>
<main class="main">
    <div class="body container">
        <?php include $adminDir . 'page-title.php'; ?>
        <div class="row typecho-page-main semantic-search-panel" role="main">
            <div class="col-mb-12">
                <h3><?php _e('Index'); ?></h3>
                <?php if ($status === null): ?>
                    <p class="semantic-search-error"><?php echo $e(_t('The service did not answer: ') . $statusError); ?></p>
                <?php else: $index = $status['index'] ?? []; ?>
                    <table class="typecho-list-table semantic-search-health"><tbody>
                        <tr><th><?php _e('Posts indexed'); ?></th><td id="health-posts"><?php echo $e($index['posts'] ?? '—'); ?></td></tr>
                        <tr><th><?php _e('Chunks'); ?></th><td><?php echo $e($index['chunks'] ?? '—'); ?></td></tr>
                        <tr><th><?php _e('Pending'); ?></th><td><?php echo $e($index['pending'] ?? '—'); ?></td></tr>
                        <tr><th><?php _e('Skipped'); ?></th><td id="health-skipped"><?php echo $e($index['skippedPosts'] ?? '—'); ?></td></tr>
                        <tr><th><?php _e('Last poll'); ?></th><td><?php echo $e($ago($index['lastPollAt'] ?? null)); ?>
                            <?php if (!empty($index['lastError'])): ?><br><span class="semantic-search-error"><?php echo $e($index['lastError']); ?></span><?php endif; ?></td></tr>
                        <tr><th><?php _e('Lag'); ?></th><td id="health-lag"><?php echo $e(isset($index['lagSeconds']) ? sprintf(_t('%d s since the last successful poll'), $index['lagSeconds']) : _t('no successful poll yet')); ?></td></tr>
                        <tr><th><?php _e('Model'); ?></th><td><?php echo $e($index['activeModel'] ?? '—'); ?></td></tr>
                        <tr><th><?php _e('Whitening version'); ?></th><td><?php echo $e($index['activeWhiteningVersion'] ?? _t('none')); ?></td></tr>
                    </tbody></table>
                    <?php if (!empty($index['skipped']) && is_array($index['skipped'])): ?>
                        <h4><?php _e('Skipped posts'); ?></h4>
                        <?php echo $table($index['skipped'], ['cid' => 'cid', 'reason' => _t('Reason'), 'skippedAt' => _t('When')], ''); ?>
                    <?php endif; ?>
                <?php endif; ?>

                <h3><?php _e('Searches'); ?></h3>
                <p class="semantic-search-periods"><?php foreach ($periods as $period): ?>
                    <?php $link = $helper::url('SemanticSearch/Panel.php') . '&days=' . $period; ?>
                    <a href="<?php echo $e($link); ?>"<?php echo $period === $days ? ' class="current"' : ''; ?>><?php echo $e($period === 1 ? _t('today') : sprintf(_t('last %d days'), $period)); ?></a> &nbsp;
                <?php endforeach; ?></p>
                <?php if ($analytics === null): ?>
                    <p class="semantic-search-error"><?php echo $e(_t('No analytics: ') . $analyticsError); ?></p>
                <?php else: $searches = (int) ($analytics['searches'] ?? 0); ?>
                    <p id="analytics-summary"><?php echo $e(sprintf(_t('%d searches; %s with no result; %s answered by the keyword fallback; median %s ms, 95th percentile %s ms.'),
                        $searches, $percent($searches ? array_sum(array_column($analytics['perDay'] ?? [], 'zeroResults')) / $searches : null),
                        $percent($analytics['fallbackShare'] ?? null), $analytics['latencyMs']['p50'] ?? '—', $analytics['latencyMs']['p95'] ?? '—')); ?></p>
                    <?php if (empty($analytics['logging']['enabled'])): ?>
                        <p class="semantic-search-error"><?php _e('The service keeps no search log (Analytics:RetentionDays is 0).'); ?></p>
                    <?php endif; ?>
                    <h4><?php _e('Searches per day'); ?></h4>
                    <?php echo $table($analytics['perDay'] ?? [], ['day' => _t('Day'), 'searches' => _t('Searches'), 'zeroResults' => _t('No result'), 'fallbacks' => _t('Fallback')], _t('No searches in this period.')); ?>
                    <h4><?php _e('Top queries'); ?></h4>
                    <?php echo $table($analytics['topQueries'] ?? [], ['query' => _t('Query'), 'searches' => _t('Searches'), 'zeroResults' => _t('No result'), 'clicks' => _t('Clicks')], _t('No searches in this period.')); ?>
                    <h4 id="zero-results"><?php _e('Queries with no results'); ?></h4>
                    <?php echo $table($analytics['zeroResultQueries'] ?? [], ['query' => _t('Query'), 'searches' => _t('Searches'), 'lastAt' => _t('Last')], _t('Every search found something.')); ?>
                    <h4><?php _e('Queries with no click'); ?></h4>
                    <?php echo $table($analytics['noClickQueries'] ?? [], ['query' => _t('Query'), 'searches' => _t('Searches')], _t('None.')); ?>
                <?php endif; ?>
            </div>
        </div>
    </div>
</main>
<?php
include $adminDir . 'copyright.php';
include $adminDir . 'common-js.php';
include $adminDir . 'footer.php';
