<?php

/**
 * The service's rate limit is per visitor: the plugin sends the visitor's address, so one visitor over the limit
 * does not starve the rest of the blog's visitors (all of whose searches come from the blog's own address).
 */
final class VisitorLimitTest extends RealTypechoTestCase
{
    public function testOneVisitorOverTheLimitDoesNotStarveAnother(): void
    {
        self::configure();
        $limit = (int) self::env('BSI_RT_RATE_LIMIT');
        $scraper = self::visitor();
        $sources = self::untilLimited($limit, static function (int $i) use ($scraper): string {
            return $scraper->search('search ' . $i)->headers['x-semantic-search'] ?? '';
        }, static function (string $source): bool {
            return $source === 'fallback';
        });
        $this->assertSame('service', $sources[0]);
        $this->assertSame('fallback', end($sources), 'over its limit, the scraper gets the keyword fallback');

        $other = self::visitor()->search('semantic search');
        $this->assertSame('service', $other->headers['x-semantic-search'] ?? '', "another visitor's search still reaches the service");

        $this->assertTrue(self::eventually(static function (): bool {
            return (self::serviceAdmin('/admin/analytics?days=1')['outcomes']['fallback'] ?? 0) > 0;
        }, 10), "the plugin reported its fallback answer to the service's search log");
    }

    public function testTheServiceSays429WithATrueRetryAfter(): void
    {
        $limit = (int) self::env('BSI_RT_RATE_LIMIT');
        $address = self::newAddress();
        $answers = self::untilLimited($limit, static function (int $i) use ($address): SiteResponse {
            return self::direct('q' . $i, $address);
        }, static function (SiteResponse $answer): bool {
            return $answer->status === 429;
        });
        $answer = end($answers);
        $this->assertSame(429, $answer->status, 'one visitor over the limit (' . count($answers) . " requests, limit {$limit}/min)");
        $retry = (int) ($answer->headers['retry-after'] ?? 0);
        $this->assertGreaterThanOrEqual(1, $retry);
        $this->assertLessThanOrEqual(60, $retry);
        $this->assertIsArray(json_decode($answer->body, true), '429 carries a JSON reason');
        $this->assertSame(429, self::direct('at once', $address)->status, 'still limited before Retry-After');
        sleep($retry);
        $this->assertSame(200, self::direct('after Retry-After', $address)->status,
            "Retry-After ({$retry} s) was true: the visitor's next search goes through");
    }

    /**
     * Requests until one is limited, but no more than the limit plus what the bucket refilled meanwhile (limit/60 per
     * second): a service without a per-visitor limit never answers limited and the caller's assertion fails, while a slow
     * machine, whose requests take long enough for tokens to come back, still reaches the limit.
     */
    private static function untilLimited(int $limit, callable $request, callable $limited): array
    {
        $started = microtime(true);
        $answers = [];
        for ($i = 0; $i <= 5 * $limit; $i++) {
            $answers[] = $answer = $request($i);
            $refilled = (int) floor((microtime(true) - $started) * $limit / 60);
            if ($limited($answer) || $i >= $limit + $refilled) {
                break;
            }
        }
        return $answers;
    }

    /** A search straight to the service as the given visitor (the service trusts loopback's X-Forwarded-For). */
    private static function direct(string $query, string $address): SiteResponse
    {
        return (new TypechoSite(self::env('BSI_SEARCH_URL'), $address))->get('search?q=' . rawurlencode($query));
    }
}
