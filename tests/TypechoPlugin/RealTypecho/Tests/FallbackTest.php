<?php

/** With the service stopped or hung, visitors still get Typecho's keyword search, within the plugin's timeout. */
final class FallbackTest extends RealTypechoTestCase
{
    private const TIMEOUT = 1.0;

    protected function tearDown(): void
    {
        self::configure();
    }

    public function testStoppedServiceFallsBackWithinTheTimeout(): void
    {
        $server = stream_socket_server('tcp://127.0.0.1:0');
        $address = stream_socket_get_name($server, false);
        fclose($server);                                      // nobody listens there now: a stopped service
        $this->assertFallback('http://' . $address);
    }

    public function testHungServiceFallsBackWithinTheTimeout(): void
    {
        // Accepts connections (the kernel's backlog) and never answers: a frozen service.
        $server = stream_socket_server('tcp://127.0.0.1:0');
        try {
            $this->assertFallback('http://' . stream_socket_get_name($server, false));
        } finally {
            fclose($server);
        }
    }

    private function assertFallback(string $serviceUrl): void
    {
        self::configure(['serviceUrl' => $serviceUrl, 'timeout' => (string) self::TIMEOUT]);
        $html = self::visitor()->search('pgvector');
        $this->assertSame(200, $html->status);
        $this->assertSame('fallback', $html->headers['x-semantic-search'] ?? '');
        $this->assertSame(self::typechoOwnSearch('pgvector'), $html->postCids(), 'keyword results');
        $this->assertLessThan(self::TIMEOUT + 0.5, $html->seconds, 'the page answers within the timeout + 0.5 s');
    }
}
