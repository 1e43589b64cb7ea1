<?php

use PHPUnit\Framework\TestCase;
use TypechoPlugin\SemanticSearch\ServiceClient;
use TypechoPlugin\SemanticSearch\ServiceUnavailable;

final class ServiceClientTest extends TestCase
{
    public function testUrlCarriesEveryParameterEncoded(): void
    {
        $client = new ServiceClient('http://svc:8080/', '', 1.0);
        $this->assertSame(
            'http://svc:8080/search?q=hello%20world%20C%2B%2B&page=3&pageSize=10&mode=semantic',
            $client->searchUrl('hello world C++', 3, 10, 'semantic')
        );
    }

    public function testParseKeepsOrderTotalAndSnippets(): void
    {
        $r = ServiceClient::parse('{"total":23,"page":1,"pageSize":10,"mode":"hybrid","hits":[{"cid":12,"snippet":"a <mark>b</mark>"},{"cid":3}]}');
        $this->assertSame(23, $r->total);
        $this->assertSame([12, 3], $r->cids);
        $this->assertSame([12 => 'a <mark>b</mark>'], $r->snippets);
    }

    public function testParseDropsRepeatedPosts(): void
    {
        $r = ServiceClient::parse('{"total":2,"hits":[{"cid":5},{"cid":5},{"cid":6}]}');
        $this->assertSame([5, 6], $r->cids);
    }

    /** @dataProvider badBodies */
    public function testParseRejectsBodiesOutsideTheContract(string $body, string $message): void
    {
        $this->expectException(ServiceUnavailable::class);
        $this->expectExceptionMessage($message);
        ServiceClient::parse($body);
    }

    public function badBodies(): array
    {
        return [
            'not JSON' => ['<html>', 'invalid JSON'],
            'a JSON string' => ['"ok"', 'invalid JSON'],
            'no total' => ['{"hits":[]}', "'total'"],
            'negative total' => ['{"total":-1,"hits":[]}', "'total'"],
            'no hits' => ['{"total":0}', "'hits'"],
            'cid as string' => ['{"total":1,"hits":[{"cid":"1"}]}', "hit 0 has no positive integer 'cid'"],
            'cid zero' => ['{"total":1,"hits":[{"cid":0}]}', "hit 0"],
        ];
    }

    public function testCleanRepairsUtf8AndCutsLength(): void
    {
        $cleaned = ServiceClient::clean("  a\xFFb ");
        $this->assertTrue(mb_check_encoding($cleaned, 'UTF-8'));
        $this->assertMatchesRegularExpression('/^a.b$/u', $cleaned);
        $this->assertSame(512, mb_strlen(ServiceClient::clean(str_repeat('é', 700))));
    }
}
