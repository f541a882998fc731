import { createServer, type AddressInfo, type Server } from 'node:net';

/*
 * A scripted SMTP server on loopback: it answers RCPT TO with the code a test chooses, so the
 * real nodemailer transport meets a real temporary (4xx) or permanent (5xx) refusal.
 */
export function smtpServer(rcptReply: () => string): Promise<{ server: Server; url: string; delivered: () => number }> {
  let delivered = 0;
  const server = createServer((socket) => {
    let inData = false;
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk) => {
      for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
        if (inData) {
          if (line === '.') {
            inData = false;
            delivered += 1;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 test\r\n');
        else if (verb === 'MAIL') socket.write('250 ok\r\n');
        else if (verb === 'RCPT') socket.write(`${rcptReply()}\r\n`);
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, delivered: () => delivered })),
  );
}

