import { servingUrls } from './serving-urls';

describe('servingUrls', () => {
  it('shows a wildcard address as localhost', () => {
    expect(servingUrls('0.0.0.0', 3000)).toEqual({
      api: 'http://localhost:3000/api',
      docs: 'http://localhost:3000/api/docs',
      app: 'http://localhost:3000/app/',
      websocket: 'ws://localhost:3000/ws',
      health: 'http://localhost:3000/health/ready',
    });
  });

  it('brackets an IPv6 host', () => {
    expect(servingUrls('::1', 8080).api).toBe('http://[::1]:8080/api');
  });

  it('prefers the public address, with wss for https', () => {
    const urls = servingUrls('0.0.0.0', 3000, 'https://visits.example.org/');
    expect(urls.api).toBe('https://visits.example.org/api');
    expect(urls.websocket).toBe('wss://visits.example.org/ws');
  });
});
