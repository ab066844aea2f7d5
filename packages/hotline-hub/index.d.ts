export * from 'hotline/hub';
